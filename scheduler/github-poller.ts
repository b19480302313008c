import type { Octokit } from '@octokit/rest';
import type { Config } from '../common/config.js';
import { QuickcdError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { compareEventIds, parseEvent, type GitHubEvent } from '../handlers/event.js';
import type { Cursor } from './cursor.js';
import { EVENTS_PER_PAGE, fetchEventsPage } from './fetch-events-page.js';
import { detectGap, diffWindow, highestId, pruneSeen, WINDOW_EVENTS } from './poll-window.js';
import type { EventSource, PollResult } from './ports/event-source.js';
import { systemClock, type Clock } from '../common/clock.js';

export interface GitHubPollerOptions {
  readonly github: Octokit;
  /** Whether some handler (or a built-in `/quickcd` command) wants the event. */
  readonly wanted: (event: GitHubEvent) => boolean;
  readonly config: Pick<Config, 'pollInterval' | 'revalidateInterval' | 'replay'>;
  readonly log: Logger;
  /** What "now" is: when revalidation is due, and what the cursor records (default the system's). */
  readonly clock?: Clock;
}

const WINDOW_PAGES = Math.ceil(WINDOW_EVENTS / EVENTS_PER_PAGE);

interface RawEvent {
  readonly id: string;
  readonly created_at?: unknown;
  readonly raw: unknown;
}

/**
 * The GitHub Events API as an event source. Each poll asks for page 1 with the saved ETag (a 304
 * costs no rate limit) and follows `Link` only until it reaches events seen before, never past
 * the 300-event window. Every `revalidateInterval` seconds it re-asks every page of the window
 * with its own ETag, to find events delivered late below page 1. New means "not seen before",
 * not "above the highest id". It never sleeps: the caller waits `nextPollSeconds`.
 */
export function createGitHubPoller(options: GitHubPollerOptions): EventSource {
  const clock = options.clock ?? systemClock;
  return {
    async poll(repo, cursor, signal) {
      try {
        return await pollRepository(options, repo, cursor, clock.now(), signal);
      } catch (error) {
        if (error instanceof QuickcdError || signal?.aborted) throw error;
        throw new QuickcdError(
          'GITHUB_FAILED',
          `Polling events of ${repo} failed: ${errorMessage(error)}`,
          {
            repo,
            cause: error,
          },
        );
      }
    },
  };
}

async function pollRepository(
  options: GitHubPollerOptions,
  repo: string,
  cursor: Cursor | undefined,
  now: Date,
  signal: AbortSignal | undefined,
): Promise<PollResult> {
  const [owner, name, ...rest] = repo.split('/');
  if (!owner || !name || rest.length > 0) {
    throw new QuickcdError('CONFIG_INVALID', `Expected a repository as owner/name, got "${repo}"`);
  }
  const log = options.log.child({ repo });
  const { config } = options;
  const first = cursor === undefined;
  const seenBefore = new Set(cursor?.seen ?? []);
  const highestBefore = highestId([
    ...seenBefore,
    ...(cursor?.lastEventId ? [cursor.lastEventId] : []),
  ]);
  const revalidate =
    first ||
    cursor.lastRevalidateAt === undefined ||
    now.getTime() - Date.parse(cursor.lastRevalidateAt) >= config.revalidateInterval * 1000;

  let etag = cursor?.etag;
  const pageEtags: Record<string, string> = { ...cursor?.pageEtags };
  const fetched = new Map<string, RawEvent>();
  let pollInterval: number | undefined;
  let windowExhausted = false;
  let requests = 0;
  let notModified = 0;

  for (let page = 1; page <= WINDOW_PAGES; page++) {
    const known = page === 1 ? cursor?.etag : cursor?.pageEtags[String(page)];
    const result = await fetchEventsPage(options.github, {
      owner,
      repo: name,
      page,
      etag: known,
      signal,
    });
    requests += 1;
    if (page === 1) {
      pollInterval = result.pollInterval;
      etag = result.etag;
    } else if (result.etag !== undefined) {
      pageEtags[String(page)] = result.etag;
    }
    if (result.notModified) {
      notModified += 1;
      // Unchanged: everything on it was seen. Re-validation goes on to the pages known to exist.
      if (!revalidate || cursor?.pageEtags[String(page + 1)] === undefined) break;
      continue;
    }
    let reachedSeen = false;
    const onPage = new Set<string>();
    for (const raw of result.events) {
      const id = (raw as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' || !/^\d+$/.test(id)) {
        log.warn({ page, id }, 'skipping an event without a valid id');
        continue;
      }
      if (seenBefore.has(id)) reachedSeen = true;
      // The first one wins: the listing is newest first, and a later page repeats events that
      // moved down while it was read (that is expected, and said only within one page).
      if (onPage.has(id)) {
        log.warn(
          { page, eventId: id },
          `two events with the same id ${id} on page ${page}: kept the first`,
        );
        continue;
      }
      onPage.add(id);
      if (fetched.has(id)) continue;
      fetched.set(id, { id, created_at: (raw as { created_at?: unknown }).created_at, raw });
    }
    if (!result.hasNext || result.events.length < EVENTS_PER_PAGE) {
      for (const key of Object.keys(pageEtags)) if (Number(key) > page) delete pageEtags[key];
      break;
    }
    if (page === WINDOW_PAGES) windowExhausted = true;
    else if (!revalidate && reachedSeen) break;
  }

  const fetchedList = [...fetched.values()];
  if (!first) {
    const gap = detectGap({
      seenBefore,
      highestBefore,
      fetched: fetchedList,
      windowExhausted,
      lastPollAt: cursor.lastPollAt,
    });
    if (gap) {
      log.warn(
        {
          missed: gap.missed,
          seenBefore: gap.seenBefore,
          fetched: gap.fetched,
          since: cursor.lastPollAt,
        },
        `possible gap in the events of ${repo}: none of the events seen before is in the window any more; about ${gap.missed} event(s) may have been missed (poll more often, or handle them by hand)`,
      );
    }
  }

  const { fresh, late } = first
    ? { fresh: [...fetched.keys()], late: new Set<string>() }
    : diffWindow(fetched.keys(), seenBefore, highestBefore);
  const replay = !first || config.replay === 'window';
  const events = replay
    ? keepWanted(
        options,
        log,
        fresh.map((id) => fetched.get(id)?.raw),
      )
    : [];
  events.sort((a, b) => compareEventIds(a.id, b.id));
  const lateWanted = new Set(events.map((e) => e.id).filter((id) => late.has(id)));
  if (lateWanted.size > 0) log.info({ late: [...lateWanted] }, 'found events delivered late');

  const seen = pruneSeen([...seenBefore, ...fetched.keys()]);
  const lastEventId = highestId([...seen, ...(highestBefore === undefined ? [] : [highestBefore])]);
  const lastRevalidateAt = revalidate ? now.toISOString() : cursor?.lastRevalidateAt;
  const next: Cursor = {
    ...(etag === undefined ? {} : { etag }),
    pageEtags,
    seen,
    ...(lastEventId === undefined ? {} : { lastEventId }),
    lastPollAt: now.toISOString(),
    ...(lastRevalidateAt === undefined ? {} : { lastRevalidateAt }),
  };
  log.debug(
    {
      requests,
      notModified,
      fetched: fetched.size,
      fresh: fresh.length,
      events: events.length,
      revalidate,
      first,
    },
    'polled events',
  );
  return {
    events,
    late: lateWanted,
    cursor: next,
    nextPollSeconds: Math.max(config.pollInterval, pollInterval ?? 0),
  };
}

/** Validates each raw event (a malformed one is logged and skipped) and keeps the wanted ones. */
function keepWanted(
  options: GitHubPollerOptions,
  log: Logger,
  raws: readonly unknown[],
): GitHubEvent[] {
  const events: GitHubEvent[] = [];
  for (const raw of raws) {
    let event: GitHubEvent;
    try {
      event = parseEvent(raw, 'event');
    } catch (error) {
      log.warn(
        { err: error, eventId: (raw as { id?: unknown } | null)?.id },
        'skipping a malformed event',
      );
      continue;
    }
    try {
      if (options.wanted(event)) events.push(event);
    } catch (error) {
      log.warn(
        { err: error, eventId: event.id },
        'deciding whether an event is wanted failed; skipped',
      );
    }
  }
  return events;
}
