import { timestamp } from './http-util.js';
import { findRepo, makeUser, repoApiUrl, serverNow, type ServerState } from './state.js';
import type { GitHubEvent, NewEvent } from './types.js';

/**
 * Stores an event for `repoName` (creating the repository) and returns a copy of it. Without
 * an `id` it gets one above every id stored so far (in any repository); a given id must be a
 * numeric string, may be lower (late delivery), and must be new to the repository. Listings
 * are ordered by id (as BigInt), highest first. It becomes visible in `/events` only after
 * the server's Events API latency (see `setEventsLatency`), as GitHub's events lag.
 */
export function addEvent(state: ServerState, repoName: string, event: NewEvent): GitHubEvent {
  const repo = findRepo(state, repoName, true);
  if (!repo) throw new Error(`repository ${repoName} could not be created`);
  if (typeof event.type !== 'string' || event.type === '')
    throw new TypeError(`event.type: expected a non-empty string, got ${String(event.type)}`);
  let id: bigint;
  if (event.id === undefined) {
    id = ++state.lastEventId;
  } else {
    if (!/^\d+$/.test(event.id))
      throw new TypeError(`event.id: expected a numeric string, got ${JSON.stringify(event.id)}`);
    id = BigInt(event.id);
    if (repo.events.some((e) => BigInt(e.id) === id))
      throw new Error(`event.id: ${event.id} already exists in ${repo.fullName}`);
    if (id > state.lastEventId) state.lastEventId = id;
  }
  const login = event.actor?.login ?? 'octocat';
  const user = makeUser(state, login);
  const stored: GitHubEvent = {
    id: String(id),
    type: event.type,
    actor: {
      id: user.id,
      login,
      display_login: login,
      gravatar_id: '',
      url: user.url,
      avatar_url: user.avatar_url,
      ...event.actor,
    },
    repo: { id: repo.id, name: repo.fullName, url: repoApiUrl(state, repo) },
    payload: structuredClone(event.payload),
    public: true,
    created_at: event.created_at ?? timestamp(),
  };
  const at = repo.events.findIndex((e) => BigInt(e.id) < id);
  repo.events.splice(at === -1 ? repo.events.length : at, 0, stored);
  repo.eventVisibleAt.set(stored.id, serverNow(state) + state.eventsLatencyMs);
  return structuredClone(stored);
}
