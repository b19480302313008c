import { notFound } from './http-util.js';
import { paginate } from './pagination.js';
import type { Route } from './router.js';
import { findRepo, serverNow } from './state.js';

/** How far back the repository events listing reaches, as on github.com. */
export const EVENTS_WINDOW = 300;

/**
 * `GET /repos/{owner}/{repo}/events`: newest first, the newest 300 only, pages starting past
 * them refused with 422; `Link`, `X-Poll-Interval`, `Last-Modified` (the `ETag` and 304 are
 * the server's, for every GET). Events still within the Events API latency are not listed.
 */
export const eventsRoutes: Route[] = [
  {
    method: 'GET',
    pattern: '/repos/:owner/:repo/events',
    access: 'public',
    handler: ({ state, params, url }) => {
      const repo = findRepo(state, `${params.owner}/${params.repo}`);
      if (!repo) return notFound();
      const pollHeader = { 'x-poll-interval': String(state.pollInterval) };
      const now = serverNow(state);
      const visible = repo.events.filter((e) => (repo.eventVisibleAt.get(e.id) ?? 0) <= now);
      const page = paginate(visible, { url, window: EVENTS_WINDOW });
      if (!page.ok) return { ...page.response, headers: pollHeader };
      const newest = Date.parse(page.items[0]?.created_at ?? '');
      return {
        status: 200,
        body: page.items,
        headers: {
          ...page.headers,
          ...pollHeader,
          'cache-control': 'private, max-age=60, s-maxage=60',
          ...(Number.isNaN(newest) ? {} : { 'last-modified': new Date(newest).toUTCString() }),
        },
      };
    },
  },
];
