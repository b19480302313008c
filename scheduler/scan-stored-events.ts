import type {
  EventFilter,
  EventStore,
  StoredEvent,
  StoredEventState,
} from './ports/event-store.js';

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

/** Visits the matching events' states: the store's `scanEventStates`, else its full events. */
export async function scanStoredEventStates(
  store: EventStore,
  filter: EventFilter,
  visit: (state: StoredEventState) => void,
): Promise<void> {
  if (store.scanEventStates) return store.scanEventStates(filter, visit);
  return scanStoredEvents(store, filter, visit);
}
