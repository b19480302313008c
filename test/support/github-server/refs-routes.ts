import { notFound } from './http-util.js';
import { paginate } from './pagination.js';
import type { Route, RouteContext } from './router.js';
import { findRepo, repoApiUrl, type RepoState, type ServerState } from './state.js';

/** A ref as `GET /repos/{o}/{r}/git/matching-refs/{ref}` lists it. */
export function refObject(
  state: ServerState,
  repo: RepoState,
  ref: string,
  sha: string,
): Record<string, unknown> {
  const api = repoApiUrl(state, repo);
  return {
    ref,
    node_id: `REF_kwDO${Buffer.from(`${repo.id}:${ref}`).toString('base64url')}`,
    url: `${api}/git/${ref}`,
    object: { sha, type: 'commit', url: `${api}/git/commits/${sha}` },
  };
}

function matching(ctx: RouteContext, prefix: string) {
  const repo = findRepo(ctx.state, `${ctx.params.owner}/${ctx.params.repo}`);
  if (!repo) return notFound();
  const wanted = `refs/${prefix}`;
  const refs = [...repo.refs.entries()]
    .filter(([ref]) => ref.startsWith(wanted))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([ref, sha]) => refObject(ctx.state, repo, ref, sha));
  const page = paginate(refs, { url: ctx.url });
  return page.ok ? { status: 200, body: page.items, headers: page.headers } : page.response;
}

/**
 * `GET /repos/{o}/{r}/git/matching-refs/{ref}`: the refs whose name starts with `refs/{ref}`
 * (`heads`, `tags`, `heads/feature`…), sorted by name, paginated (`Link`); a weak ETag and
 * free 304 like every GET. `GET /repos/{o}/{r}/git/ref/{ref}` one ref (404 when absent).
 */
export const refsRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/git/matching-refs/:kind',
    access: 'public',
    handler: (ctx) => matching(ctx, ctx.params.kind ?? ''),
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/git/matching-refs/:kind/:prefix',
    access: 'public',
    handler: (ctx) => matching(ctx, `${ctx.params.kind ?? ''}/${ctx.params.prefix ?? ''}`),
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/git/ref/:kind/:name',
    access: 'public',
    handler: (ctx) => {
      const repo = findRepo(ctx.state, `${ctx.params.owner}/${ctx.params.repo}`);
      const ref = `refs/${ctx.params.kind ?? ''}/${ctx.params.name ?? ''}`;
      const sha = repo?.refs.get(ref);
      return repo && sha ? { status: 200, body: refObject(ctx.state, repo, ref, sha) } : notFound();
    },
  },
];
