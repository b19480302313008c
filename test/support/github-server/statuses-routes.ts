import { callerLogin } from './comment-body.js';
import {
  githubError,
  invalidRequest,
  notFound,
  objectBody,
  timestamp,
  validationFailed,
  type RouteResponse,
} from './http-util.js';
import { paginate } from './pagination.js';
import { resolveSha } from './resolve-sha.js';
import type { Route, RouteContext } from './router.js';
import { findRepo, makeUser, repoApiUrl, type RepoState } from './state.js';
import type { Status, StatusState } from './types.js';

const STATES: readonly string[] = ['error', 'failure', 'pending', 'success'];
export const MAX_STATUS_DESCRIPTION = 140;

/** GitHub's combined state: any error/failure → failure, else any pending → pending. */
export function combinedState(statuses: readonly Status[]): StatusState {
  if (statuses.length === 0) return 'pending';
  if (statuses.some((s) => s.state === 'error' || s.state === 'failure')) return 'failure';
  if (statuses.some((s) => s.state === 'pending')) return 'pending';
  return 'success';
}

/** The latest status of each context, contexts in the order they first appeared. */
export function latestPerContext(statuses: readonly Status[]): Status[] {
  const latest = new Map<string, Status>();
  for (const status of statuses) latest.set(status.context, status);
  return [...latest.values()];
}

type Resolved = { repo: RepoState; sha: string } | RouteResponse;

function resolve(ctx: RouteContext, ref: string | undefined): Resolved {
  const repo = findRepo(ctx.state, `${ctx.params.owner}/${ctx.params.repo}`);
  if (!repo) return notFound();
  const sha = resolveSha(repo, ref ?? '');
  return sha ? { repo, sha } : githubError(422, `No commit found for SHA: ${ref ?? ''}`);
}

function optionalString(input: Record<string, unknown>, field: string): string | null | Error {
  const value = input[field];
  if (value === undefined || value === null) return null;
  return typeof value === 'string'
    ? value
    : new Error(`For 'properties/${field}', ${JSON.stringify(value)} is not a string or null.`);
}

function create(ctx: RouteContext): RouteResponse {
  const found = resolve(ctx, ctx.params.sha);
  if ('status' in found) return found;
  const input = objectBody(ctx.body) ?? {};
  if (input.state === undefined) return invalidRequest('"state" wasn\'t supplied.');
  if (typeof input.state !== 'string' || !STATES.includes(input.state))
    return validationFailed('Status', 'state', 'state is not included in the list');
  const description = optionalString(input, 'description');
  const targetUrl = optionalString(input, 'target_url');
  const context = input.context === undefined ? 'default' : optionalString(input, 'context');
  for (const value of [description, targetUrl, context])
    if (value instanceof Error) return invalidRequest(value.message);
  if (typeof description === 'string' && description.length > MAX_STATUS_DESCRIPTION)
    return validationFailed(
      'Status',
      'description',
      `description is too long (maximum is ${MAX_STATUS_DESCRIPTION} characters)`,
    );
  const { repo, sha } = found;
  const id = ++ctx.state.lastStatusId;
  const creator = makeUser(ctx.state, callerLogin(ctx.caller));
  const now = timestamp();
  const status: Status = {
    id,
    node_id: `SC_kwDO${Buffer.from(`${repo.id}:${id}`).toString('base64url')}`,
    url: `${repoApiUrl(ctx.state, repo)}/statuses/${sha}`,
    avatar_url: creator.avatar_url,
    state: input.state as StatusState,
    description: description as string | null,
    target_url: targetUrl as string | null,
    context: typeof context === 'string' && context !== '' ? context : 'default',
    created_at: now,
    updated_at: now,
    creator,
  };
  const list = repo.statuses.get(sha) ?? [];
  list.push(status);
  repo.statuses.set(sha, list);
  return { status: 201, body: status, headers: { location: status.url } };
}

function listStatuses(ctx: RouteContext): RouteResponse {
  const found = resolve(ctx, ctx.params.ref);
  if ('status' in found) return found;
  const newestFirst = [...(found.repo.statuses.get(found.sha) ?? [])].reverse();
  const page = paginate(newestFirst, { url: ctx.url });
  return page.ok ? { status: 200, body: page.items, headers: page.headers } : page.response;
}

function combined(ctx: RouteContext): RouteResponse {
  const found = resolve(ctx, ctx.params.ref);
  if ('status' in found) return found;
  const { repo, sha } = found;
  const statuses = latestPerContext(repo.statuses.get(sha) ?? []);
  const api = repoApiUrl(ctx.state, repo);
  return {
    status: 200,
    body: {
      state: combinedState(statuses),
      statuses,
      sha,
      total_count: statuses.length,
      repository: {
        id: repo.id,
        name: repo.name,
        full_name: repo.fullName,
        owner: makeUser(ctx.state, repo.owner),
        private: false,
        url: api,
      },
      commit_url: `${api}/commits/${sha}`,
      url: `${api}/commits/${sha}/status`,
    },
  };
}

/** Commit statuses: create, list (newest first), combined status (latest per context). */
export const statusesRoutes: Route[] = [
  { method: 'POST', pattern: '/repos/:owner/:repo/statuses/:sha', access: 'user', handler: create },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/commits/:ref/statuses',
    access: 'public',
    handler: listStatuses,
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/statuses/:ref',
    access: 'public',
    handler: listStatuses,
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/commits/:ref/status',
    access: 'public',
    handler: combined,
  },
];
