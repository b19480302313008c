import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addEvent } from './add-event.js';
import { adminFastRoutes } from './admin-fast-routes.js';
import { adminRoutes } from './admin-routes.js';
import { appRoutes } from './app-routes.js';
import { commitCommentsRoutes } from './commit-comments-routes.js';
import { commitsRoutes } from './commits-routes.js';
import { eventsRoutes } from './events-routes.js';
import { createFaultStore, type Fault, type FaultHandle } from './faults.js';
import { handleRequest } from './handle-request.js';
import { issueCommentsRoutes } from './issue-comments-routes.js';
import { pullsRoutes } from './pulls-routes.js';
import { refsRoutes } from './refs-routes.js';
import { changePullRequest, deleteRef, openPullRequest, pushRef } from './repo-changes.js';
import { repoRoutes } from './repo-routes.js';
import { createRouter } from './router.js';
import { createState, findRepo, parseRepoName, registerApp } from './state.js';
import { statusesRoutes } from './statuses-routes.js';
import type { GitHubTestServer } from './github-test-server.js';
import type { Permission } from './types.js';

export interface StartGitHubServerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** The token requests must send (`token X` or `Bearer X`). Default `test-token`. */
  token?: string;
  /** `X-Poll-Interval` of event listings, in seconds. Default 60. */
  pollInterval?: number;
  /** Login of the token's user (author of comments and statuses). Default `quickcd-test`. */
  login?: string;
  /**
   * Default true: every `owner/name` exists (created on first use). When false, only
   * repositories given to `addRepo`, `addEvent` or `addCollaborator` exist; others are 404.
   */
  autoCreateRepos?: boolean;
  /**
   * Events API latency in ms: an event is listed in `/events` only this long after it was
   * added (GitHub documents 30 s to hours). Default 0.
   */
  eventsLatencyMs?: number;
}

const ROUTES = [
  ...eventsRoutes,
  ...refsRoutes,
  ...commitCommentsRoutes,
  ...issueCommentsRoutes,
  // After the issue comments: `issues/comments` is not issue number "comments".
  ...pullsRoutes,
  ...statusesRoutes,
  ...commitsRoutes,
  ...repoRoutes,
  ...appRoutes,
];

const PERMISSIONS: readonly string[] = ['admin', 'write', 'read', 'none'];

/** Starts the GitHub API test server; see {@link GitHubTestServer}. */
export async function startGitHubServer(
  options: StartGitHubServerOptions = {},
): Promise<GitHubTestServer> {
  const pollInterval = options.pollInterval ?? 60;
  checkSeconds('pollInterval', pollInterval);
  const state = createState({
    token: options.token ?? 'test-token',
    login: options.login ?? 'quickcd-test',
    pollInterval,
    autoCreateRepos: options.autoCreateRepos ?? true,
  });
  state.eventsLatencyMs = checkMs('eventsLatencyMs', options.eventsLatencyMs ?? 0);
  const faults = createFaultStore();
  const requests: GitHubTestServer['requests'] = [];
  const sleeping = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        sleeping.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleeping.add(done);
    });
  const router = createRouter([...ROUTES, ...adminRoutes(faults), ...adminFastRoutes]);
  const deps = { state, router, faults, requests, sleep };
  const server = createServer((req, res) => {
    handleRequest(deps, req, res).catch((error: unknown) => {
      if (res.headersSent || res.destroyed) return;
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ message: `Server Error: ${String(error)}` }));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  state.baseUrl = url;
  let closed: Promise<void> | undefined;

  /** Runs an admin route in process (the comment helpers), failing with its message. */
  const admin = async (path: string, body: Record<string, unknown>) => {
    const match = router.match('POST', path);
    if (!match) throw new Error(`no admin route ${path}`);
    const ctx = { state, method: 'POST', params: match.params, url: new URL(path, url) };
    const response = await match.route.handler({
      ...ctx,
      body,
      caller: { kind: 'user', login: state.login },
    });
    if (response.status !== 201) throw new Error(`${path}: ${JSON.stringify(response.body)}`);
    return response.body as { comment: never };
  };
  const existingRepo = (repo: string) => {
    parseRepoName(repo);
    return findRepo(state, repo, false);
  };
  return {
    url,
    token: state.token,
    get rateLimitRemaining() {
      return state.rate.remaining;
    },
    requests,
    addEvent: (repo, event) => addEvent(state, repo, event),
    addRepo: (repo) => void findRepo(state, repo, true),
    events: (repo) => structuredClone(existingRepo(repo)?.events ?? []),
    commitComments: (repo, sha) =>
      structuredClone(
        (existingRepo(repo)?.commitComments ?? []).filter(
          (c) => sha === undefined || c.commit_id.startsWith(sha.toLowerCase()),
        ),
      ),
    issueComments: (repo, issueNumber) =>
      structuredClone(
        (existingRepo(repo)?.issueComments ?? []).filter(
          (c) => issueNumber === undefined || c.issue_number === issueNumber,
        ),
      ),
    statuses: (repo, sha) => {
      const statuses = existingRepo(repo)?.statuses ?? new Map();
      const key = [...statuses.keys()].find((k) => k.startsWith(sha.toLowerCase()));
      return structuredClone(key === undefined ? [] : (statuses.get(key) ?? []));
    },
    addCollaborator: (repo, login, permission: Permission) => {
      if (!PERMISSIONS.includes(permission))
        throw new TypeError(`permission: expected admin|write|read|none, got ${permission}`);
      findRepo(state, repo, true)?.collaborators.set(login.toLowerCase(), permission);
    },
    registerApp: (app) => void registerApp(state, app),
    clearRequests: () => void (requests.length = 0),
    setPollInterval: (seconds) => {
      checkSeconds('seconds', seconds);
      state.pollInterval = seconds;
    },
    setEventsLatency: (ms) => void (state.eventsLatencyMs = checkMs('ms', ms)),
    advanceClock: (ms) => void (state.clockOffsetMs += checkMs('ms', ms)),
    push: (repo, push) => pushRef(state, repo, push),
    deleteRef: (repo, ref, login) => deleteRef(state, repo, ref, login),
    refs: (repo) => Object.fromEntries(existingRepo(repo)?.refs ?? []),
    openPullRequest: (repo, pr) => openPullRequest(state, repo, pr),
    changePullRequest: (repo, number, change) => changePullRequest(state, repo, number, change),
    addIssueComment: async (repo, number, body, login) =>
      (await admin(`/_admin/repos/${repo}/issues/${number}/comments`, { body, login })).comment,
    addCommitComment: async (repo, sha, body, login) =>
      (await admin(`/_admin/repos/${repo}/commits/${sha}/comments`, { body, login })).comment,
    fault: (fault: Fault): FaultHandle => faults.add(fault),
    clearFaults: () => faults.clear(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        faults.clear();
        for (const wake of [...sleeping]) wake();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function checkMs(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0))
    throw new TypeError(`${name}: expected a non-negative number of milliseconds, got ${value}`);
  return value;
}

function checkSeconds(name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0))
    throw new TypeError(`${name}: expected a non-negative integer of seconds, got ${value}`);
}
