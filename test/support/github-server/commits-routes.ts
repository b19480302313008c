import { createHash } from 'node:crypto';
import { githubError, notFound, type RouteResponse } from './http-util.js';
import { resolveSha } from './resolve-sha.js';
import type { Route, RouteContext } from './router.js';
import {
  findRepo,
  makeUser,
  repoApiUrl,
  repoHtmlUrl,
  type RepoState,
  type ServerState,
} from './state.js';

/** A minimal commit object, as `GET /repos/{o}/{r}/commits/{ref}` returns it. */
function commitObject(state: ServerState, repo: RepoState, sha: string): Record<string, unknown> {
  const api = repoApiUrl(state, repo);
  const author = makeUser(state, 'octocat');
  const person = {
    name: 'The Octocat',
    email: 'octocat@github.test',
    date: '2024-01-01T00:00:00Z',
  };
  const tree = createHash('sha1').update(`tree:${sha}`).digest('hex');
  return {
    sha,
    node_id: `C_kwDO${Buffer.from(`${repo.id}:${sha}`).toString('base64url')}`,
    commit: {
      author: person,
      committer: person,
      message: `Commit ${sha.slice(0, 7)}`,
      tree: { sha: tree, url: `${api}/git/trees/${tree}` },
      url: `${api}/git/commits/${sha}`,
      comment_count: repo.commitComments.filter((c) => c.commit_id === sha).length,
    },
    url: `${api}/commits/${sha}`,
    html_url: `${repoHtmlUrl(state, repo)}/commit/${sha}`,
    comments_url: `${api}/commits/${sha}/comments`,
    author,
    committer: author,
    parents: [],
  };
}

function lookup(ctx: RouteContext, ref: string): { repo: RepoState; sha: string } | RouteResponse {
  const repo = findRepo(ctx.state, `${ctx.params.owner}/${ctx.params.repo}`);
  if (!repo) return notFound();
  const sha = resolveSha(repo, ref);
  return sha ? { repo, sha } : githubError(422, `No commit found for SHA: ${ref}`);
}

/**
 * `GET /repos/{o}/{r}/commits/{ref}` (any 7–40 hex sha exists) and a minimal
 * `GET /repos/{o}/{r}/compare/{base}...{head}` (head is one commit ahead unless equal).
 */
export const commitsRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/commits/:ref',
    access: 'public',
    handler: (ctx) => {
      const found = lookup(ctx, ctx.params.ref ?? '');
      if ('status' in found) return found;
      return {
        status: 200,
        body: { ...commitObject(ctx.state, found.repo, found.sha), files: [] },
      };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/compare/:basehead',
    access: 'public',
    handler: (ctx) => {
      const [baseRef, headRef] = (ctx.params.basehead ?? '').split(/\.{2,3}/);
      if (baseRef === undefined || headRef === undefined) return notFound();
      const base = lookup(ctx, baseRef);
      if ('status' in base) return base;
      const head = lookup(ctx, headRef);
      if ('status' in head) return head;
      const { repo } = base;
      const commits = base.sha === head.sha ? [] : [commitObject(ctx.state, repo, head.sha)];
      const api = repoApiUrl(ctx.state, repo);
      const html = `${repoHtmlUrl(ctx.state, repo)}/compare/${base.sha}...${head.sha}`;
      return {
        status: 200,
        body: {
          url: `${api}/compare/${base.sha}...${head.sha}`,
          html_url: html,
          permalink_url: html,
          diff_url: `${html}.diff`,
          patch_url: `${html}.patch`,
          base_commit: commitObject(ctx.state, repo, base.sha),
          merge_base_commit: commitObject(ctx.state, repo, base.sha),
          status: commits.length === 0 ? 'identical' : 'ahead',
          ahead_by: commits.length,
          behind_by: 0,
          total_commits: commits.length,
          commits,
          files: [],
        },
      };
    },
  },
];
