import type { Octokit } from '@octokit/rest';
import type { Budget } from './budget.js';
import { conditionalGet } from './conditional-get.js';
import { UNKNOWN_ACTOR, type EventDraft, type Watcher, type WatchedRepo } from './watcher.js';

interface RestComment {
  readonly id: number;
  readonly created_at: string;
  readonly issue_url?: string;
  readonly user?: { readonly id: number; readonly login: string } | null;
  readonly [key: string]: unknown;
}

interface RepoComments {
  issueEtag: string | undefined;
  /** Highest issue comment id seen; undefined before the baseline. */
  issueMax: number | undefined;
  /** Commit comments list oldest first: the newest page is the last one. */
  commitPage: number | undefined;
  commitEtag: string | undefined;
  commitMax: number | undefined;
}

const PER_PAGE = 100;
const isComment = (v: unknown): v is RestComment =>
  typeof (v as Partial<RestComment> | null)?.id === 'number';
const lastPage = (link: string) =>
  Number(/[?&]page=(\d+)[^>]*>;\s*rel="last"/.exec(link)?.[1] ?? 1);

/**
 * The comment watcher (issue 14, item 2): new issue/PR comments (the repository listing sorted
 * by creation, newest first) and new commit comments (the last page of the repository listing),
 * each one conditional request with its ETag, become `IssueCommentEvent` / `CommitCommentEvent`
 * (`action: created`), so chat-ops and comment handlers react in seconds. An issue comment's
 * issue is read once (`GET …/issues/{n}`), as its event carries it.
 */
export function createCommentWatcher(options: {
  readonly github: Octokit;
  readonly budget: Budget;
  /** Epoch ms: when a comment without a creation time counts as made. */
  readonly now: () => number;
}): Watcher {
  const state = new Map<string, RepoComments>();
  const get = (
    repo: WatchedRepo,
    route: string,
    params: Record<string, string | number>,
    etag: string | undefined,
    signal: AbortSignal | undefined,
  ) =>
    conditionalGet(
      options.github,
      options.budget,
      route,
      { owner: repo.owner, repo: repo.name, ...params },
      etag,
      signal,
    );

  async function issueComments(
    repo: WatchedRepo,
    mine: RepoComments,
    signal: AbortSignal | undefined,
  ) {
    const result = await get(
      repo,
      'GET /repos/{owner}/{repo}/issues/comments',
      { sort: 'created', direction: 'desc', per_page: 30 },
      mine.issueEtag,
      signal,
    );
    mine.issueEtag = result.etag;
    if (result.notModified) return [];
    const comments = (Array.isArray(result.data) ? (result.data as unknown[]) : []).filter(
      isComment,
    );
    const max = Math.max(mine.issueMax ?? 0, ...comments.map((c) => c.id));
    const baseline = mine.issueMax === undefined;
    const fresh = baseline ? [] : comments.filter((c) => c.id > (mine.issueMax ?? 0)).reverse();
    const drafts: EventDraft[] = [];
    for (const comment of fresh) {
      const number = Number(/\/issues\/(\d+)$/.exec(comment.issue_url ?? '')?.[1]);
      if (!Number.isSafeInteger(number)) continue;
      const issue = await get(
        repo,
        'GET /repos/{owner}/{repo}/issues/{issue_number}',
        { issue_number: number },
        undefined,
        signal,
      );
      drafts.push({
        type: 'IssueCommentEvent',
        actor: comment.user ?? UNKNOWN_ACTOR,
        payload: { action: 'created', issue: issue.data, comment },
        changedAt: Date.parse(comment.created_at) || options.now(),
      });
    }
    mine.issueMax = max;
    return drafts;
  }

  async function commitComments(
    repo: WatchedRepo,
    mine: RepoComments,
    signal: AbortSignal | undefined,
  ) {
    const route = 'GET /repos/{owner}/{repo}/comments';
    if (mine.commitPage === undefined) {
      const first = await get(repo, route, { per_page: PER_PAGE, page: 1 }, undefined, signal);
      const last = lastPage(first.link);
      const newest =
        last > 1
          ? await get(repo, route, { per_page: PER_PAGE, page: last }, undefined, signal)
          : first;
      const comments = (Array.isArray(newest.data) ? (newest.data as unknown[]) : []).filter(
        isComment,
      );
      mine.commitPage = comments.length >= PER_PAGE ? last + 1 : last;
      mine.commitEtag = comments.length >= PER_PAGE ? undefined : newest.etag;
      mine.commitMax = Math.max(0, ...comments.map((c) => c.id));
      return [];
    }
    const result = await get(
      repo,
      route,
      { per_page: PER_PAGE, page: mine.commitPage },
      mine.commitEtag,
      signal,
    );
    if (result.notModified) return [];
    const comments = (Array.isArray(result.data) ? (result.data as unknown[]) : []).filter(
      isComment,
    );
    const fresh = comments.filter((c) => c.id > (mine.commitMax ?? 0));
    mine.commitMax = Math.max(mine.commitMax ?? 0, ...comments.map((c) => c.id));
    if (comments.length >= PER_PAGE) {
      mine.commitPage += 1;
      mine.commitEtag = undefined;
    } else {
      mine.commitEtag = result.etag;
    }
    return fresh.map((comment): EventDraft => ({
      type: 'CommitCommentEvent',
      actor: comment.user ?? UNKNOWN_ACTOR,
      payload: { action: 'created', comment },
      changedAt: Date.parse(comment.created_at) || options.now(),
    }));
  }

  return {
    name: 'comments',
    produces: ['IssueCommentEvent', 'CommitCommentEvent'],
    requestsPerPoll: 2,
    async poll(repo, signal) {
      const key = repo.fullName.toLowerCase();
      const mine: RepoComments = state.get(key) ?? {
        issueEtag: undefined,
        issueMax: undefined,
        commitPage: undefined,
        commitEtag: undefined,
        commitMax: undefined,
      };
      state.set(key, mine);
      return [
        ...(await issueComments(repo, mine, signal)),
        ...(await commitComments(repo, mine, signal)),
      ];
    },
    reset: () => state.clear(),
  };
}
