import { createHash } from 'node:crypto';
import type {
  CommitComment,
  GitHubEvent,
  GitHubUser,
  IssueComment,
  Permission,
  RegisterAppOptions,
  Status,
} from './types.js';

/** Everything stored for one repository. */
export interface RepoState {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  /** Sorted by id, highest (newest) first. */
  events: GitHubEvent[];
  commitComments: CommitComment[];
  issueComments: IssueComment[];
  /** By full commit sha, in creation order. */
  statuses: Map<string, Status[]>;
  collaborators: Map<string, Permission>;
  /** Branch and tag refs (`refs/heads/main` → sha). */
  refs: Map<string, string>;
  /** Pull requests, by number. */
  pulls: Map<number, PullRequestState>;
  /** When each event (by id) becomes visible in `/events` (server clock, ms). */
  eventVisibleAt: Map<string, number>;
}

/** A pull request as the test server keeps it. */
export interface PullRequestState {
  number: number;
  title: string;
  state: 'open' | 'closed';
  merged: boolean;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  login: string;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  merged_at: string | null;
}

export interface AppRecord {
  appId: string;
  publicKeyPem: string;
  installationId: string;
  account: string;
  tokenTtlSeconds: number;
}

export interface InstallationToken {
  installationId: string;
  appId: string;
  expiresAt: number;
}

/** The server's whole state: a plain object the route modules read and change. */
export interface ServerState {
  token: string;
  login: string;
  pollInterval: number;
  /** `http://host:port`, set once listening: the base of every `url`/`html_url`. */
  baseUrl: string;
  autoCreateRepos: boolean;
  repos: Map<string, RepoState>;
  lastEventId: bigint;
  lastRepoId: number;
  lastCommentId: number;
  lastStatusId: number;
  rate: { limit: number; remaining: number; reset: number };
  /** An event becomes visible in `/events` this long after it was added (ms). */
  eventsLatencyMs: number;
  /** Added to `Date.now()` for the server clock (event visibility). */
  clockOffsetMs: number;
  /** By installation id. */
  apps: Map<string, AppRecord>;
  installationTokens: Map<string, InstallationToken>;
}

export function createState(options: {
  token: string;
  login: string;
  pollInterval: number;
  autoCreateRepos: boolean;
}): ServerState {
  return {
    ...options,
    baseUrl: '',
    repos: new Map(),
    lastEventId: 45_100_000_000n,
    lastRepoId: 700_000_000,
    lastCommentId: 150_000_000,
    lastStatusId: 30_000_000_000,
    rate: { limit: 5000, remaining: 5000, reset: Math.floor(Date.now() / 1000) + 3600 },
    eventsLatencyMs: 0,
    clockOffsetMs: 0,
    apps: new Map(),
    installationTokens: new Map(),
  };
}

const REPO_NAME = /^([A-Za-z0-9](?:[A-Za-z0-9-]*)?)\/([A-Za-z0-9._-]+)$/;

/** Splits `'owner/name'`, throwing a TypeError naming what was given when it is not one. */
export function parseRepoName(fullName: string): { owner: string; name: string } {
  const match = REPO_NAME.exec(fullName);
  if (!match?.[1] || !match[2])
    throw new TypeError(`repo: expected 'owner/name', got ${JSON.stringify(fullName)}`);
  return { owner: match[1], name: match[2] };
}

/**
 * The repository `owner/name` (case-insensitive, as GitHub), created on first use when
 * `create` is true; undefined when it does not exist.
 */
export function findRepo(
  state: ServerState,
  fullName: string,
  create = state.autoCreateRepos,
): RepoState | undefined {
  const key = fullName.toLowerCase();
  const existing = state.repos.get(key);
  if (existing || !create) return existing;
  const { owner, name } = parseRepoName(fullName);
  const repo: RepoState = {
    id: ++state.lastRepoId,
    owner,
    name,
    fullName: `${owner}/${name}`,
    events: [],
    commitComments: [],
    issueComments: [],
    statuses: new Map(),
    collaborators: new Map(),
    refs: new Map(),
    pulls: new Map(),
    eventVisibleAt: new Map(),
  };
  state.repos.set(key, repo);
  return repo;
}

/** The server clock (ms): real time plus what {@link ServerState.clockOffsetMs} adds. */
export const serverNow = (state: ServerState): number => Date.now() + state.clockOffsetMs;

/** A stable numeric user id for a login. */
function userId(login: string): number {
  return 1_000_000 + (createHash('sha256').update(login).digest().readUInt32BE(0) % 90_000_000);
}

/** A user object as GitHub embeds it; `[bot]` logins are of type Bot. */
export function makeUser(state: ServerState, login: string): GitHubUser {
  const id = userId(login);
  return {
    login,
    id,
    node_id: `U_${Buffer.from(String(id)).toString('base64url')}`,
    avatar_url: `${state.baseUrl}/avatars/u/${id}?v=4`,
    gravatar_id: '',
    url: `${state.baseUrl}/users/${encodeURIComponent(login)}`,
    html_url: `${state.baseUrl}/${encodeURIComponent(login)}`,
    type: login.endsWith('[bot]') ? 'Bot' : 'User',
    site_admin: false,
  };
}

/** GitHub's `author_association` of `login` on `repo`. */
export function authorAssociation(repo: RepoState, login: string): string {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
  const permission = repo.collaborators.get(login.toLowerCase());
  return permission && permission !== 'none' ? 'COLLABORATOR' : 'NONE';
}

/** `api.github.com`-style URL of a repository. */
export const repoApiUrl = (state: ServerState, repo: RepoState): string =>
  `${state.baseUrl}/repos/${repo.fullName}`;

/** `github.com`-style URL of a repository. */
export const repoHtmlUrl = (state: ServerState, repo: RepoState): string =>
  `${state.baseUrl}/${repo.fullName}`;

/** Stores a GitHub App registration. */
export function registerApp(state: ServerState, options: RegisterAppOptions): AppRecord {
  const record: AppRecord = {
    appId: String(options.appId),
    publicKeyPem: options.publicKeyPem,
    installationId: String(options.installationId),
    account: options.account ?? 'acme',
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
  };
  state.apps.set(record.installationId, record);
  return record;
}
