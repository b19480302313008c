import { addEvent } from './add-event.js';
import { commitCommentsRoutes } from './commit-comments-routes.js';
import type { Fault, FaultStore } from './faults.js';
import { githubError, objectBody, type RouteResponse } from './http-util.js';
import { issueCommentsRoutes } from './issue-comments-routes.js';
import type { Route, RouteContext } from './router.js';
import { findRepo, makeUser, repoHtmlUrl } from './state.js';
import type { NewEvent } from './types.js';

/**
 * Admin endpoints, so a person (or a script) can drive the standalone server as the tests do.
 * All take the server's token. Under `/_admin`:
 * - `POST /_admin/repos/{owner}/{repo}/events` `{type, payload, id?, actor?}`: adds an event;
 * - `POST /_admin/repos/{owner}/{repo}/commits/{sha}/comments` `{body, login?}` and
 *   `POST /_admin/repos/{owner}/{repo}/issues/{number}/comments` `{body, login?, title?}`:
 *   a comment by `login` (default the repository owner) that also appears as a
 *   `CommitCommentEvent` / `IssueCommentEvent`;
 * - `POST /_admin/faults` a fault as `server.fault` takes it (`path` a string, or `pathPattern`
 *   a RegExp source; `times` a number or `"Infinity"`), answered with its `id`;
 *   `DELETE /_admin/faults/{id}` removes one, `DELETE /_admin/faults` all.
 */
export function adminRoutes(faults: FaultStore): Route[] {
  const handles = new Map<number, { remove(): void }>();
  let nextFault = 0;
  const bad = (message: string): RouteResponse => githubError(422, message);
  const route = (routes: Route[], pattern: string) =>
    routes.find((r) => r.method === 'POST' && r.pattern === pattern)!;
  const createCommitComment = route(
    commitCommentsRoutes,
    '/repos/:owner/:repo/commits/:sha/comments',
  );
  const createIssueComment = route(
    issueCommentsRoutes,
    '/repos/:owner/:repo/issues/:number/comments',
  );

  /** Runs the real route as `login` (default: the repository's owner). */
  const asAuthor = async (ctx: RouteContext, create: Route) => {
    const body = objectBody(ctx.body) ?? {};
    const login = typeof body.login === 'string' ? body.login : (ctx.params.owner ?? 'octocat');
    const response = await create.handler({ ...ctx, caller: { kind: 'user', login } });
    return { response, login, body };
  };
  const withEvent = (ctx: RouteContext, response: RouteResponse, event: NewEvent) => {
    if (response.status !== 201) return response;
    const stored = addEvent(ctx.state, `${ctx.params.owner}/${ctx.params.repo}`, event);
    return { status: 201, body: { comment: response.body, event: stored } };
  };

  return [
    {
      method: 'POST',
      pattern: '/_admin/repos/:owner/:repo/events',
      access: 'user',
      handler: (ctx) => {
        const body = objectBody(ctx.body);
        if (typeof body?.type !== 'string' || objectBody(body.payload) === undefined)
          return bad('expected {"type": "PushEvent", "payload": {…}} (id, actor optional)');
        try {
          const event = addEvent(
            ctx.state,
            `${ctx.params.owner}/${ctx.params.repo}`,
            body as unknown as NewEvent,
          );
          return { status: 201, body: event };
        } catch (error) {
          return bad(error instanceof Error ? error.message : String(error));
        }
      },
    },
    {
      method: 'POST',
      pattern: '/_admin/repos/:owner/:repo/commits/:sha/comments',
      access: 'user',
      handler: async (ctx) => {
        const { response, login } = await asAuthor(ctx, createCommitComment);
        return withEvent(ctx, response, {
          type: 'CommitCommentEvent',
          actor: { login },
          payload: { action: 'created', comment: response.body },
        });
      },
    },
    {
      method: 'POST',
      pattern: '/_admin/repos/:owner/:repo/issues/:number/comments',
      access: 'user',
      handler: async (ctx) => {
        const { response, login, body } = await asAuthor(ctx, createIssueComment);
        const repo = findRepo(ctx.state, `${ctx.params.owner}/${ctx.params.repo}`);
        const number = Number(ctx.params.number);
        const issue = {
          number,
          title: typeof body.title === 'string' ? body.title : `Issue #${number}`,
          state: 'open',
          user: makeUser(ctx.state, ctx.params.owner ?? 'octocat'),
          html_url: repo ? `${repoHtmlUrl(ctx.state, repo)}/issues/${number}` : '',
        };
        return withEvent(ctx, response, {
          type: 'IssueCommentEvent',
          actor: { login },
          payload: { action: 'created', issue, comment: response.body },
        });
      },
    },
    {
      method: 'POST',
      pattern: '/_admin/faults',
      access: 'user',
      handler: (ctx) => {
        const body = objectBody(ctx.body);
        if (!body) return bad('expected a fault, e.g. {"kind": "status", "status": 502}');
        const { pathPattern, times, ...rest } = body;
        const fault = {
          ...rest,
          ...(typeof pathPattern === 'string' ? { path: new RegExp(pathPattern) } : {}),
          ...(times === undefined ? {} : { times: times === 'Infinity' ? Infinity : times }),
        } as Fault;
        try {
          const id = ++nextFault;
          handles.set(id, faults.add(fault));
          return { status: 201, body: { id } };
        } catch (error) {
          return bad(error instanceof Error ? error.message : String(error));
        }
      },
    },
    {
      method: 'DELETE',
      pattern: '/_admin/faults/:id',
      access: 'user',
      handler: (ctx) => {
        const handle = handles.get(Number(ctx.params.id));
        if (!handle) return githubError(404, 'Not Found');
        handle.remove();
        handles.delete(Number(ctx.params.id));
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      pattern: '/_admin/faults',
      access: 'user',
      handler: () => {
        faults.clear();
        handles.clear();
        return { status: 204 };
      },
    },
  ];
}
