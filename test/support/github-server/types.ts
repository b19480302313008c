/** A user as GitHub embeds it in comments, statuses and permission answers (trimmed). */
export interface GitHubUser {
  login: string;
  id: number;
  node_id: string;
  avatar_url: string;
  gravatar_id: string;
  url: string;
  html_url: string;
  type: 'User' | 'Bot';
  site_admin: boolean;
}

/** The `actor` of an Events API event. */
export interface GitHubActor {
  id: number;
  login: string;
  display_login: string;
  gravatar_id: string;
  url: string;
  avatar_url: string;
}

/** An event as `GET /repos/{owner}/{repo}/events` lists it. */
export interface GitHubEvent {
  id: string;
  type: string;
  actor: GitHubActor;
  repo: { id: number; name: string; url: string };
  payload: Record<string, unknown>;
  public: boolean;
  created_at: string;
}

/** What `addEvent` takes: `type` and `payload`, the rest is filled in. */
export interface NewEvent {
  type: string;
  payload: Record<string, unknown>;
  /** A numeric string; may be lower than existing ids (late delivery). Must be unique. */
  id?: string;
  actor?: Partial<GitHubActor> & { login: string };
  created_at?: string;
}

/** Fields common to commit and issue comments. */
export interface Comment {
  id: number;
  node_id: string;
  url: string;
  html_url: string;
  body: string;
  user: GitHubUser;
  created_at: string;
  updated_at: string;
  author_association: string;
}

/** A commit comment (`/repos/{o}/{r}/commits/{sha}/comments`). */
export interface CommitComment extends Comment {
  commit_id: string;
  path: string | null;
  position: number | null;
  line: number | null;
}

/** An issue or pull request comment (`/repos/{o}/{r}/issues/{n}/comments`). */
export interface IssueComment extends Comment {
  issue_url: string;
  /** Not part of GitHub's shape: the issue or pull request number, for the test's convenience. */
  issue_number: number;
}

export type StatusState = 'error' | 'failure' | 'pending' | 'success';

/** A commit status (`/repos/{o}/{r}/statuses/{sha}`). */
export interface Status {
  id: number;
  node_id: string;
  url: string;
  avatar_url: string | null;
  state: StatusState;
  description: string | null;
  target_url: string | null;
  context: string;
  created_at: string;
  updated_at: string;
  creator: GitHubUser;
}

export type Permission = 'admin' | 'write' | 'read' | 'none';

/** One request the server answered, in arrival order. */
export interface RecordedRequest {
  method: string;
  /** Path and query as sent, including any `/api/v3` prefix. */
  path: string;
  status: number;
  /** Header names in lower case. */
  requestHeaders: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or undefined when there was none (or it did not parse). */
  body: unknown;
  at: Date;
}

/** A GitHub App whose JWTs `POST /app/installations/{id}/access_tokens` verifies. */
export interface RegisterAppOptions {
  appId: number | string;
  /** SPKI or PKCS#1 PEM of the app's public key: JWT signatures are verified with it. */
  publicKeyPem: string;
  installationId: number | string;
  /** Login of the account the app is installed on. Default `'acme'`. */
  account?: string;
  /** Lifetime of issued installation tokens, in seconds (fractions allowed). Default 3600. */
  tokenTtlSeconds?: number;
}
