import { QuickcdError } from '../common/errors.js';
import { markSkipped, retryNow } from './event-state.js';
import type { EventStore, StoredEvent } from './ports/event-store.js';

/**
 * What `quickcd skip|retry` and the `/quickcd skip|retry` comments do, on any store. Refusals
 * are `QuickcdError`s (`EVENT_NOT_FOUND`, `USAGE`) whose message says why.
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

export async function retryEvent(
  store: EventStore,
  id: string,
  now: Date,
  repo?: string,
): Promise<StoredEvent> {
  const event = await requireEvent(store, id, repo);
  if (event.status !== 'failed' && event.status !== 'skipped') {
    throw new QuickcdError(
      'USAGE',
      `event ${id} is ${event.status}: only failed or skipped events can be retried`,
      { eventId: id },
    );
  }
  return store.updateEvent(event.repo, event.id, (e) => retryNow(e, now));
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
