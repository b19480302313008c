import { commentBody, newComment, positiveInt } from './comment-body.js';
import { githubError, notFound, objectBody, timestamp, type RouteResponse } from './http-util.js';
import { paginate } from './pagination.js';
import { resolveSha } from './resolve-sha.js';
import type { Route, RouteContext } from './router.js';
import { findRepo, repoApiUrl, repoHtmlUrl } from './state.js';
import type { CommitComment } from './types.js';

const repoOf = ({ state, params }: RouteContext) =>
  findRepo(state, `${params.owner}/${params.repo}`);

const list = (ctx: RouteContext, comments: CommitComment[]): RouteResponse => {
  const page = paginate(comments, { url: ctx.url });
  return page.ok ? { status: 200, body: page.items, headers: page.headers } : page.response;
};

function findComment(ctx: RouteContext): CommitComment | undefined {
  const id = positiveInt(ctx.params.id);
  return repoOf(ctx)?.commitComments.find((c) => c.id === id);
}

const noCommit = (ref: string | undefined) =>
  githubError(422, `No commit found for SHA: ${ref ?? ''}`);

/**
 * Commit comments: create and list on a commit, list all, get, edit (`PATCH`), delete. Lists
 * are oldest first, paginated.
 */
export const commitCommentsRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/repos/:owner/:repo/commits/:sha/comments',
    access: 'user',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const sha = resolveSha(repo, ctx.params.sha ?? '');
      if (!sha) return noCommit(ctx.params.sha);
      const body = commentBody(ctx.body, 'CommitComment');
      if (typeof body !== 'string') return body;
      const extra = objectBody(ctx.body) ?? {};
      const base = newComment(ctx.state, repo, ctx.caller, body, 'CC');
      const comment: CommitComment = {
        ...base,
        url: `${repoApiUrl(ctx.state, repo)}/comments/${base.id}`,
        html_url: `${repoHtmlUrl(ctx.state, repo)}/commit/${sha}#commitcomment-${base.id}`,
        commit_id: sha,
        path: typeof extra.path === 'string' ? extra.path : null,
        position: typeof extra.position === 'number' ? extra.position : null,
        line: typeof extra.line === 'number' ? extra.line : null,
      };
      repo.commitComments.push(comment);
      return { status: 201, body: comment, headers: { location: comment.url } };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/commits/:sha/comments',
    access: 'public',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      if (!repo) return notFound();
      const sha = resolveSha(repo, ctx.params.sha ?? '');
      if (!sha) return noCommit(ctx.params.sha);
      return list(
        ctx,
        repo.commitComments.filter((c) => c.commit_id === sha),
      );
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/comments',
    access: 'public',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      return repo ? list(ctx, repo.commitComments) : notFound();
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/comments/:id',
    access: 'public',
    handler: (ctx) => {
      const comment = findComment(ctx);
      return comment ? { status: 200, body: comment } : notFound();
    },
  },
  {
    method: 'PATCH',
    pattern: '/repos/:owner/:repo/comments/:id',
    access: 'user',
    handler: (ctx) => {
      const comment = findComment(ctx);
      if (!comment) return notFound();
      const body = commentBody(ctx.body, 'CommitComment');
      if (typeof body !== 'string') return body;
      comment.body = body;
      comment.updated_at = timestamp();
      return { status: 200, body: comment };
    },
  },
  {
    method: 'DELETE',
    pattern: '/repos/:owner/:repo/comments/:id',
    access: 'user',
    handler: (ctx) => {
      const repo = repoOf(ctx);
      const comment = findComment(ctx);
      if (!repo || !comment) return notFound();
      repo.commitComments.splice(repo.commitComments.indexOf(comment), 1);
      return { status: 204 };
    },
  },
];
