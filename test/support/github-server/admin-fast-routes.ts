import { githubError, objectBody, type RouteResponse } from './http-util.js';
import { changePullRequest, deleteRef, openPullRequest, pushRef } from './repo-changes.js';
import type { Route, RouteContext } from './router.js';

const bad = (message: string): RouteResponse => githubError(422, message);
const repoName = (ctx: RouteContext) => `${ctx.params.owner}/${ctx.params.repo}`;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** Runs `change`, answering its TypeError/Error as a 422 naming the problem. */
function attempt(change: () => unknown, status = 201): RouteResponse {
  try {
    return { status, body: change() };
  } catch (error) {
    return bad(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Admin endpoints for the fast sources (all take the server's token):
 * - `POST /_admin/repos/{o}/{r}/git/refs` `{ref, head, login?, event?}`: a push (see `push`);
 * - `DELETE /_admin/repos/{o}/{r}/git/refs/{heads|tags}/{name}`: deletes a ref;
 * - `POST /_admin/repos/{o}/{r}/pulls` `{head, headRef?, base?, title?, login?}`: opens a PR;
 * - `PATCH /_admin/repos/{o}/{r}/pulls/{n}` `{head?, action?: closed|merged|reopened}`;
 * - `POST /_admin/events-latency` `{ms}` and `POST /_admin/clock` `{advanceMs}`.
 */
export const adminFastRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/_admin/repos/:owner/:repo/git/refs',
    access: 'user',
    handler: (ctx) => {
      const body = objectBody(ctx.body) ?? {};
      const ref = str(body.ref);
      const head = str(body.head);
      if (!ref || !head) return bad('expected {"ref": "refs/heads/main", "head": "<40 hex>"}');
      const login = str(body.login);
      return attempt(() =>
        pushRef(ctx.state, repoName(ctx), {
          ref,
          head,
          ...(login ? { login } : {}),
          ...(body.event === false ? { event: false } : {}),
        }),
      );
    },
  },
  {
    method: 'DELETE',
    pattern: '/_admin/repos/:owner/:repo/git/refs/:kind/:name',
    access: 'user',
    handler: (ctx) =>
      deleteRef(ctx.state, repoName(ctx), `refs/${ctx.params.kind ?? ''}/${ctx.params.name ?? ''}`)
        ? { status: 204 }
        : githubError(422, 'Reference does not exist'),
  },
  {
    method: 'POST',
    pattern: '/_admin/repos/:owner/:repo/pulls',
    access: 'user',
    handler: (ctx) => {
      const body = objectBody(ctx.body) ?? {};
      const head = str(body.head);
      if (!head) return bad('expected {"head": "<40 hex>"} (headRef, base, title, login optional)');
      const opts = { head } as Parameters<typeof openPullRequest>[2];
      for (const k of ['headRef', 'base', 'title', 'login'] as const) {
        const v = str(body[k]);
        if (v) opts[k] = v;
      }
      return attempt(() => openPullRequest(ctx.state, repoName(ctx), opts));
    },
  },
  {
    method: 'PATCH',
    pattern: '/_admin/repos/:owner/:repo/pulls/:number',
    access: 'user',
    handler: (ctx) => {
      const body = objectBody(ctx.body) ?? {};
      const action = str(body.action);
      if (action !== undefined && !['closed', 'merged', 'reopened'].includes(action))
        return bad(`action: expected closed|merged|reopened, got ${JSON.stringify(action)}`);
      const head = str(body.head);
      return attempt(
        () =>
          changePullRequest(ctx.state, repoName(ctx), Number(ctx.params.number), {
            ...(head ? { head } : {}),
            ...(action ? { action: action as 'closed' | 'merged' | 'reopened' } : {}),
          }),
        200,
      );
    },
  },
  {
    method: 'POST',
    pattern: '/_admin/events-latency',
    access: 'user',
    handler: (ctx) => {
      const ms = objectBody(ctx.body)?.ms;
      if (typeof ms !== 'number' || !(ms >= 0)) return bad('expected {"ms": <non-negative>}');
      ctx.state.eventsLatencyMs = ms;
      return { status: 200, body: { ms } };
    },
  },
  {
    method: 'POST',
    pattern: '/_admin/clock',
    access: 'user',
    handler: (ctx) => {
      const ms = objectBody(ctx.body)?.advanceMs;
      if (typeof ms !== 'number' || !(ms >= 0))
        return bad('expected {"advanceMs": <non-negative>}');
      ctx.state.clockOffsetMs += ms;
      return { status: 200, body: { offsetMs: ctx.state.clockOffsetMs } };
    },
  },
];
