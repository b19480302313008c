import { notFound } from './http-util.js';
import { paginate } from './pagination.js';
import type { Route } from './router.js';
import {
  findRepo,
  makeUser,
  repoApiUrl,
  repoHtmlUrl,
  type PullRequestState,
  type RepoState,
  type ServerState,
} from './state.js';

/** A pull request in GitHub's REST shape (trimmed to what clients read). */
export function pullObject(
  state: ServerState,
  repo: RepoState,
  pr: PullRequestState,
): Record<string, unknown> {
  const api = repoApiUrl(state, repo);
  const side = (s: { ref: string; sha: string }) => ({
    label: `${repo.owner}:${s.ref}`,
    ref: s.ref,
    sha: s.sha,
    user: makeUser(state, repo.owner),
    repo: { id: repo.id, name: repo.name, full_name: repo.fullName, fork: false, url: api },
  });
  return {
    url: `${api}/pulls/${pr.number}`,
    id: repo.id * 1000 + pr.number,
    node_id: `PR_kwDO${Buffer.from(`${repo.id}:${pr.number}`).toString('base64url')}`,
    html_url: `${repoHtmlUrl(state, repo)}/pull/${pr.number}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: makeUser(state, pr.login),
    body: null,
    created_at: pr.created_at,
    updated_at: pr.updated_at,
    closed_at: pr.closed_at,
    merged_at: pr.merged_at,
    merged: pr.merged,
    draft: false,
    head: side(pr.head),
    base: side(pr.base),
    author_association: 'OWNER',
  };
}

const SORTS = ['created', 'updated', 'popularity', 'long-running'];

/**
 * `GET /repos/{o}/{r}/pulls` (`state` open|closed|all, default open; `sort` created (default)
 * or updated; `direction` desc by default, paginated), `GET /repos/{o}/{r}/pulls/{n}` and
 * `GET /repos/{o}/{r}/issues/{n}` (with `pull_request` for a pull request).
 */
export const pullsRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/pulls',
    access: 'public',
    handler: ({ state, params, url }) => {
      const repo = findRepo(state, `${params.owner}/${params.repo}`);
      if (!repo) return notFound();
      const q = url.searchParams;
      const wanted = q.get('state') ?? 'open';
      const sort = SORTS.includes(q.get('sort') ?? '') ? (q.get('sort') as string) : 'created';
      const asc = q.get('direction') === 'asc';
      const key = (p: PullRequestState) => (sort === 'updated' ? p.updated_at : p.created_at);
      const pulls = [...repo.pulls.values()]
        .filter((p) => wanted === 'all' || p.state === wanted)
        .sort((a, b) => {
          const order = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number;
          return asc ? order : -order;
        })
        .map((p) => pullObject(state, repo, p));
      const page = paginate(pulls, { url });
      return page.ok ? { status: 200, body: page.items, headers: page.headers } : page.response;
    },
  },
  {
    // Every issue number exists; one that is a pull request says so, as GitHub does.
    method: 'GET',
    pattern: '/repos/:owner/:repo/issues/:number',
    access: 'public',
    handler: ({ state, params }) => {
      const repo = findRepo(state, `${params.owner}/${params.repo}`);
      const number = Number(params.number);
      if (!repo || !Number.isSafeInteger(number) || number < 1) return notFound();
      const pr = repo.pulls.get(number);
      const html = `${repoHtmlUrl(state, repo)}/${pr ? 'pull' : 'issues'}/${number}`;
      return {
        status: 200,
        body: {
          url: `${repoApiUrl(state, repo)}/issues/${number}`,
          html_url: html,
          number,
          title: pr?.title ?? `Issue #${number}`,
          state: pr?.state ?? 'open',
          user: makeUser(state, pr?.login ?? repo.owner),
          ...(pr
            ? {
                pull_request: { url: `${repoApiUrl(state, repo)}/pulls/${number}`, html_url: html },
              }
            : {}),
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/pulls/:number',
    access: 'public',
    handler: ({ state, params }) => {
      const repo = findRepo(state, `${params.owner}/${params.repo}`);
      const pr = repo?.pulls.get(Number(params.number));
      return repo && pr ? { status: 200, body: pullObject(state, repo, pr) } : notFound();
    },
  },
];
