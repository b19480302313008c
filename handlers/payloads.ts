import type { AuthorAssociation } from '../common/author-associations.js';
/**
 * Payload types of the GitHub Events API (`GET /repos/{owner}/{repo}/events`), which differ
 * from webhook payloads: there is no `repository`/`sender` in the payload (see the envelope's
 * `repo` and `actor`), and a PushEvent on github.com carries `ref`, `head`, `before`, `push_id`
 * and `repository_id` only (`commits`, `size`, `distinct_size` are gone; GitHub Enterprise
 * Server still sends them). Fields are those GitHub documents; unknown ones pass through.
 */
export interface User {
  readonly login: string;
  readonly id: number;
  readonly [key: string]: unknown;
}

export type { AuthorAssociation } from '../common/author-associations.js';

export interface Comment {
  readonly id: number;
  readonly body: string;
  readonly user: User;
  readonly html_url: string;
  readonly author_association: AuthorAssociation;
  readonly created_at: string;
  readonly [key: string]: unknown;
}

export interface PushEventPayload {
  readonly ref: string;
  readonly head: string;
  readonly before: string;
  readonly push_id: number;
  readonly repository_id: number;
  /** GitHub Enterprise Server only. */
  readonly size?: number;
  readonly distinct_size?: number;
  readonly commits?: readonly {
    readonly sha: string;
    readonly message: string;
    readonly author: { readonly name: string; readonly email: string };
    readonly distinct: boolean;
  }[];
}

export interface GitRef {
  readonly ref: string;
  readonly sha: string;
  readonly label?: string;
  /**
   * The Events API sends `id`, `name` and `url` here; webhook-shaped payloads (GitHub
   * Enterprise Server, synthesised events) also `full_name` and `fork`.
   */
  readonly repo?: {
    readonly id?: number;
    readonly name?: string;
    readonly full_name?: string;
    readonly fork?: boolean;
    readonly [key: string]: unknown;
  } | null;
}

export interface PullRequest {
  readonly number: number;
  readonly title: string;
  readonly state: 'open' | 'closed';
  readonly html_url: string;
  readonly user: User;
  readonly head: GitRef;
  readonly base: GitRef;
  readonly merged?: boolean;
  readonly draft?: boolean;
  readonly [key: string]: unknown;
}

export interface PullRequestEventPayload {
  readonly action: string;
  readonly number: number;
  readonly pull_request: PullRequest;
  readonly [key: string]: unknown;
}

export interface Issue {
  readonly number: number;
  readonly title: string;
  readonly state: string;
  readonly user: User;
  readonly html_url: string;
  /** Present when the issue is a pull request. */
  readonly pull_request?: { readonly url: string; readonly html_url: string };
  readonly [key: string]: unknown;
}

export interface IssueCommentEventPayload {
  readonly action: 'created' | 'edited' | 'deleted';
  readonly issue: Issue;
  readonly comment: Comment;
}

export interface CommitCommentEventPayload {
  readonly action?: 'created';
  readonly comment: Comment & { readonly commit_id: string; readonly path?: string | null };
}

export interface CreateEventPayload {
  readonly ref: string | null;
  readonly ref_type: 'repository' | 'branch' | 'tag';
  readonly master_branch: string;
  readonly description: string | null;
  readonly pusher_type: string;
}

export interface DeleteEventPayload {
  readonly ref: string;
  readonly ref_type: 'branch' | 'tag';
  readonly pusher_type: string;
}

export interface ReleaseEventPayload {
  /** `published`, `created`, `edited`, … */
  readonly action: string;
  readonly release: {
    readonly id: number;
    readonly tag_name: string;
    readonly target_commitish: string;
    readonly name: string | null;
    readonly draft: boolean;
    readonly prerelease: boolean;
    readonly html_url: string;
    readonly [key: string]: unknown;
  };
}

export interface IssuesEventPayload {
  readonly action: string;
  readonly issue: Issue;
  readonly [key: string]: unknown;
}

/** Payload type per event type; other types get {@link UnknownPayload}. */
export interface EventPayloads {
  PushEvent: PushEventPayload;
  PullRequestEvent: PullRequestEventPayload;
  IssueCommentEvent: IssueCommentEventPayload;
  CommitCommentEvent: CommitCommentEventPayload;
  CreateEvent: CreateEventPayload;
  DeleteEvent: DeleteEventPayload;
  ReleaseEvent: ReleaseEventPayload;
  IssuesEvent: IssuesEventPayload;
}

export type UnknownPayload = Readonly<Record<string, unknown>>;
export type KnownEventType = keyof EventPayloads;
export type PayloadOf<T extends string> = T extends KnownEventType
  ? EventPayloads[T]
  : UnknownPayload;
