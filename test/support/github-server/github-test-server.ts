import type { Fault, FaultHandle } from './faults.js';
import type { PullRequestChange, PushOptions } from './repo-changes.js';
import type { PullRequestState } from './state.js';
import type {
  CommitComment,
  GitHubEvent,
  IssueComment,
  NewEvent,
  Permission,
  RecordedRequest,
  RegisterAppOptions,
  Status,
} from './types.js';

/**
 * A running GitHub API test server. Repository names are `'owner/name'` (case-insensitive).
 * Accessors return copies: changing them does not change the server.
 */
export interface GitHubTestServer {
  /** E.g. `http://127.0.0.1:43123`: the Octokit `baseUrl` (`${url}/api/v3` works too). */
  readonly url: string;
  /** The token requests authenticate with. */
  readonly token: string;
  /** The core rate limit left in the current hour; 304s and `GET /rate_limit` are free. */
  readonly rateLimitRemaining: number;
  /** Every request answered, in order (faulted ones included). */
  readonly requests: RecordedRequest[];

  /**
   * Adds an event to `repo` (newest first in listings, ordered by id as BigInt). Assigns a
   * numeric string id greater than any existing one unless `id` is given (it may be lower than
   * existing ones, to simulate late delivery; it must be new to the repository); fills
   * `actor` (default login `octocat`), `repo`, `public` and `created_at` (now) as the Events
   * API does. Returns the stored event.
   */
  addEvent(repo: string, event: NewEvent): GitHubEvent;
  /** Creates a repository (only needed with `autoCreateRepos: false`). */
  addRepo(repo: string): void;
  /** The repository's events, newest first, as listed (all of them, past the 300 window too). */
  events(repo: string): GitHubEvent[];
  /** Commit comments, oldest first; only those on `sha` (a full sha or a prefix) if given. */
  commitComments(repo: string, sha?: string): CommitComment[];
  /** Issue and pull request comments, oldest first; only those on `issueNumber` if given. */
  issueComments(repo: string, issueNumber?: number): IssueComment[];
  /** The statuses of commit `sha` (full or a prefix), in creation order. */
  statuses(repo: string, sha: string): Status[];
  /**
   * Sets what `GET /repos/{o}/{r}/collaborators/{login}/permission` answers (the repository
   * owner is always `admin`, anyone else `none` by default).
   */
  addCollaborator(repo: string, login: string, permission: Permission): void;
  /**
   * Registers a GitHub App installation: `POST /app/installations/{installationId}/
   * access_tokens` then verifies JWTs with `iss` = `appId` against `publicKeyPem` and issues
   * `ghs_…` tokens that authenticate like {@link token} until they expire. JWTs of apps never
   * registered are accepted without signature check (for any installation).
   */
  registerApp(app: RegisterAppOptions): void;
  /** Empties {@link requests}. */
  clearRequests(): void;
  /** Sets the `X-Poll-Interval` of event listings, in seconds. */
  setPollInterval(seconds: number): void;
  /** Sets the Events API latency (ms) of events added from now on. */
  setEventsLatency(ms: number): void;
  /** Moves the server clock (event visibility only) forward by `ms`: delayed events appear. */
  advanceClock(ms: number): void;
  /**
   * A `git push`: moves or creates `ref` (`refs/heads/…`, `refs/tags/…` or a branch name) to
   * `head`, and records a `PushEvent` (a `CreateEvent` first for a new ref) unless
   * `event: false`. Returns the recorded events.
   */
  push(repo: string, push: PushOptions): GitHubEvent[];
  /** Deletes a ref, recording a `DeleteEvent`; false when it did not exist. */
  deleteRef(repo: string, ref: string, login?: string): boolean;
  /** The branch and tag refs, `refs/heads/main` → sha. */
  refs(repo: string): Record<string, string>;
  /** Opens a pull request (numbered 1, 2…), recording `PullRequestEvent` `opened`. */
  openPullRequest(
    repo: string,
    pr: { head: string; headRef?: string; base?: string; title?: string; login?: string },
  ): PullRequestState;
  /**
   * A new head (`synchronize`), `closed`, `merged` (closed with merged) or `reopened`, each
   * recorded as a `PullRequestEvent`; `updated_at` moves.
   */
  changePullRequest(repo: string, number: number, change: PullRequestChange): PullRequestState;
  /** An issue/PR comment by `login` (default the repository owner) and its `IssueCommentEvent`. */
  addIssueComment(
    repo: string,
    number: number,
    body: string,
    login?: string,
  ): Promise<IssueComment>;
  /** A commit comment by `login` and its `CommitCommentEvent`. */
  addCommitComment(repo: string, sha: string, body: string, login?: string): Promise<CommitComment>;
  /**
   * Injects a fault for the next `times` (default 1; Infinity allowed) requests matching
   * `method` and `path` (see {@link Fault}); faults are consumed in the order added, one per
   * request. Kinds:
   * - `status`: that status (500, 502, 503…) with GitHub's JSON error body;
   * - `secondary-rate-limit`: 403, GitHub's secondary rate limit message, `Retry-After`
   *   (`retryAfter` seconds, default 1);
   * - `rate-limit-429`: the same as a 429;
   * - `primary-rate-limit`: 403 with `X-RateLimit-Remaining: 0` and a reset
   *   `resetInSeconds` (default 1) from now;
   * - `delay`: answers normally after `ms`;
   * - `malformed-json`: 200 with the real answer's JSON cut in half (the real request did
   *   take effect).
   */
  fault(fault: Fault): FaultHandle;
  /** Removes every fault. */
  clearFaults(): void;
  /** Stops the server, dropping open connections and cutting delays short. */
  close(): Promise<void>;
}
