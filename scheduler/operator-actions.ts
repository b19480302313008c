import { QuickcdError } from '../common/errors.js';
import { compareEventIds } from '../handlers/event.js';
import { markSkipped, retryNow } from './event-state.js';
import type { EventStore, StoredEvent } from './ports/event-store.js';

/**
 * What `quickcd skip|retry` and the `/quickcd skip|retry` comments do, on any store. Refusals
 * are `QuickcdError`s (`EVENT_NOT_FOUND`, `USAGE`, `LANE_ORDER`) whose message says why.
 */
export async function skipEvent(
  store: EventStore,
  id: string,
  repo?: string,
): Promise<StoredEvent> {
  const event = await requireEvent(store, id, repo);
  if (event.status === 'handled') {
    throw new QuickcdError('USAGE', `event ${id} is already handled: nothing to skip`, {
      eventId: id,
    });
  }
  return store.updateEvent(event.repo, event.id, markSkipped);
}

export interface RetryOptions {
  readonly repo?: string | undefined;
  /** Retry a skipped blocking event even though newer events of its lane already ran. */
  readonly force?: boolean;
}

export interface Retried {
  readonly event: StoredEvent;
  /** With `force`: the newest event of the lane that already ran, which this one now follows. */
  readonly ranAfter?: { readonly id: string; readonly type: string };
}

/**
 * Runs a failed or skipped event again now. A skipped blocking event whose lane has moved on
 * (a newer event's blocking handlers already ran) would run out of event-id order: refused
 * with `LANE_ORDER` (context `newerEventId`) unless `force`.
 */
export async function retryEvent(
  store: EventStore,
  id: string,
  now: Date,
  options: RetryOptions = {},
): Promise<Retried> {
  const event = await requireEvent(store, id, options.repo);
  if (event.status !== 'failed' && event.status !== 'skipped') {
    throw new QuickcdError(
      'USAGE',
      `event ${id} is ${event.status}: only failed or skipped events can be retried`,
      { eventId: id },
    );
  }
  if (event.problem !== undefined) {
    throw new QuickcdError(
      'USAGE',
      `event ${id} cannot run: ${event.problem}. Skip it (quickcd skip ${id}) to release its lane`,
      { eventId: id },
    );
  }
  const newer = event.status === 'skipped' ? await newerThatRan(store, event) : undefined;
  if (newer && !options.force) {
    throw new QuickcdError(
      'LANE_ORDER',
      `event ${id} was skipped and newer event ${newer.id} (${newer.type}) already ran in the blocking lane of ${event.repo}: retrying ${id} would run it out of order`,
      { eventId: id, newerEventId: newer.id },
    );
  }
  const updated = await store.updateEvent(event.repo, event.id, (e) => retryNow(e, now));
  return { event: updated, ...(newer ? { ranAfter: { id: newer.id, type: newer.type } } : {}) };
}

/** The newest event after `event` in its repository whose blocking lane has run, if any. */
async function newerThatRan(
  store: EventStore,
  event: StoredEvent,
): Promise<StoredEvent | undefined> {
  if (!event.lanes.blocking) return undefined;
  const events = await store.listEvents({ repo: event.repo });
  return events
    .filter((e) => compareEventIds(e.id, event.id) > 0 && (e.lanes.blocking?.attempts ?? 0) > 0)
    .at(-1);
}

async function requireEvent(store: EventStore, id: string, repo?: string): Promise<StoredEvent> {
  const event = await store.getEvent(id, repo);
  if (!event) {
    throw new QuickcdError(
      'EVENT_NOT_FOUND',
      `no stored event ${id}${repo ? ` in ${repo}` : ''}: see quickcd events`,
      { eventId: id },
    );
  }
  return event;
}
