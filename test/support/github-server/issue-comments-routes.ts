import { commentBody, newComment, positiveInt } from './comment-body.js';
import { notFound, timestamp, type RouteResponse } from './http-util.js';
import { paginate } from './pagination.js';
import type { Route, RouteContext } from './router.js';
import { findRepo, repoApiUrl, repoHtmlUrl } from './state.js';
import type { IssueComment } from './types.js';

const repoOf = ({ state, params }: RouteContext) =>
  findRepo(state, `${params.owner}/${params.repo}`);

/** GitHub's shape: without the `issue_number` kept for the test's accessors. */
const wire = ({ issue_number: _, ...comment }: IssueComment) => comment;

const list = (ctx: RouteContext, comments: IssueComment[]): RouteResponse => {
  const page = paginate(comments, { url: ctx.url });
  return page.ok
    ? { status: 200, body: page.items.map(wire), headers: page.headers }
    : page.response;
};

function findComment(ctx: RouteContext): IssueComment | undefined {
  const id = positiveInt(ctx.params.id);
  return repoOf(ctx)?.issueComments.find((c) => c.id === id);
}

/**
 * Issue and pull request comments (every issue number exists): create and list on an issue,
 * list all (sortable), get, edit (`PATCH`), delete. Lists are oldest first, paginated.
 */
export const issueCommentsRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/repos/:owner/:repo/issues/:number/comments',
    access: 'user',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      const number = positiveInt(ctx.params.number);
      if (!repo || number === undefined) return notFound();
      const body = commentBody(ctx.body, 'IssueComment');
      if (typeof body !== 'string') return body;
      const base = newComment(ctx.state, repo, ctx.caller, body, 'IC');
      const api = repoApiUrl(ctx.state, repo);
      const comment: IssueComment = {
        ...base,
        url: `${api}/issues/comments/${base.id}`,
        html_url: `${repoHtmlUrl(ctx.state, repo)}/issues/${number}#issuecomment-${base.id}`,
        issue_url: `${api}/issues/${number}`,
        issue_number: number,
      };
      repo.issueComments.push(comment);
      return { status: 201, body: wire(comment), headers: { location: comment.url } };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/issues/:number/comments',
    access: 'public',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      const number = positiveInt(ctx.params.number);
      if (!repo || number === undefined) return notFound();
      return list(
        ctx,
        repo.issueComments.filter((c) => c.issue_number === number),
      );
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/issues/comments',
    access: 'public',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      // `sort` created (default) or updated, `direction` asc unless desc (GitHub's default
      // without `sort`); `since` keeps those updated at or after it.
      const q = ctx.url.searchParams;
      const key = q.get('sort') === 'updated' ? 'updated_at' : 'created_at';
      const since = q.get('since');
      const comments = repo.issueComments
        .filter((c) => since === null || c.updated_at >= since)
        .sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : a.id - b.id));
      if (q.get('direction') === 'desc') comments.reverse();
      return list(ctx, comments);
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/issues/comments/:id',
    access: 'public',
    handler: (ctx) => {
      const comment = findComment(ctx);
      return comment ? { status: 200, body: wire(comment) } : notFound();
    },
  },
  {
    method: 'PATCH',
    pattern: '/repos/:owner/:repo/issues/comments/:id',
    access: 'user',
    handler: (ctx) => {
      const comment = findComment(ctx);
      if (!comment) return notFound();
      const body = commentBody(ctx.body, 'IssueComment');
      if (typeof body !== 'string') return body;
      comment.body = body;
      comment.updated_at = timestamp();
      return { status: 200, body: wire(comment) };
    },
  },
  {
    method: 'DELETE',
    pattern: '/repos/:owner/:repo/issues/comments/:id',
    access: 'user',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      const comment = findComment(ctx);
      if (!repo || !comment) return notFound();
      repo.issueComments.splice(repo.issueComments.indexOf(comment), 1);
      return { status: 204 };
    },
  },
];
