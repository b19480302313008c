/**
 * A GitHub REST API test server: a real HTTP server, driven by the real `@octokit/rest`
 * (with the retry and throttling plugins, and `@octokit/auth-app`). It speaks:
 *
 * - repository events with the 300-event window, `Link` pagination (422 past the window),
 *   weak `ETag`s and free `304`s, `X-Poll-Interval`, and a configurable Events API latency;
 * - branch and tag refs (`git/matching-refs`), pull requests sorted by update, and the
 *   repository's issue and commit comment listings, each paginated with ETags;
 * - commit and issue comments (create, list, get, edit, delete; the 65,536-character limit),
 *   commit statuses and the combined status, commits, compare, collaborator permission;
 * - rate limit headers on every response and `GET /rate_limit`;
 * - GitHub App installation tokens from RS256 JWTs;
 * - injected faults: 5xx, secondary/primary rate limits, 429, delays, malformed JSON.
 *
 * Authentication: `token X` or `Bearer X` with the server's token or an installation token;
 * a wrong one is 401 `Bad credentials`. Anonymous reads (GET of events, comments, statuses,
 * commits) are allowed, as for a public repository; anonymous writes are 401.
 *
 * @example
 * const server = await startGitHubServer();
 * const octokit = new Octokit({ baseUrl: server.url, auth: server.token });
 * server.addEvent('acme/web', { type: 'PushEvent', payload: { ref: 'refs/heads/main' } });
 */
export { startGitHubServer } from './server.js';
export type { StartGitHubServerOptions } from './server.js';
export type { PullRequestChange, PushOptions } from './repo-changes.js';
export type { PullRequestState } from './state.js';
export type { GitHubTestServer } from './github-test-server.js';
export type { Fault, FaultHandle, FaultMatch } from './faults.js';
export type {
  Comment,
  CommitComment,
  GitHubActor,
  GitHubEvent,
  GitHubUser,
  IssueComment,
  NewEvent,
  Permission,
  RecordedRequest,
  RegisterAppOptions,
  Status,
  StatusState,
} from './types.js';
