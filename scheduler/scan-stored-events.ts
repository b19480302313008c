import type { EventFilter, EventStore, StoredEvent } from './ports/event-store.js';

/**
 * Visits the stored events matching `filter` one at a time: through the store's `scanEvents`
 * (which does not hold them all), or its list for a store without one.
 */
export async function scanStoredEvents(
  store: EventStore,
  filter: EventFilter,
  visit: (event: StoredEvent) => void,
): Promise<void> {
  if (store.scanEvents) return store.scanEvents(filter, visit);
  for (const event of await store.listEvents(filter)) visit(event);
}
