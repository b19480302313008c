import type { Logger } from '../common/logger.js';
import { compareEventIds } from '../handlers/event.js';
import type { EventStore, StoredEvent } from './ports/event-store.js';
import { scanStoredEventStates } from './scan-stored-events.js';

export interface PruneEventsOptions {
  /** Finished events stored longer ago than this are deleted. */
  readonly retentionDays: number;
  /** Per repository, finished events beyond the newest this many are deleted. */
  readonly retentionCount: number;
  readonly now: Date;
  readonly log: Logger;
}

export interface PruneResult {
  readonly deleted: readonly Pick<StoredEvent, 'repo' | 'id'>[];
}

const FINISHED = ['handled', 'skipped'] as const;

interface Finished {
  readonly id: string;
  /** Epoch ms (NaN when unreadable: then only the count applies). */
  readonly storedAt: number;
}
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Retention: deletes `handled` and `skipped` events older than `retentionDays` (by `storedAt`)
 * or beyond the newest `retentionCount` finished ones of their repository (by id). Pending,
 * running and failed events are never deleted. Works on any EventStore; on Kubernetes deleting
 * an event also deletes its Jobs (ownerReference). A failed delete is logged and the rest go on.
 */
export async function pruneEvents(
  store: EventStore,
  options: PruneEventsOptions,
): Promise<PruneResult> {
  const { retentionDays, retentionCount, now, log } = options;
  if (!(retentionDays >= 0) || !Number.isInteger(retentionCount) || retentionCount < 0) {
    throw new RangeError(
      `pruneEvents: expected retentionDays >= 0 and an integer retentionCount >= 0, got ` +
        `${retentionDays} and ${retentionCount}`,
    );
  }
  const cutoff = now.getTime() - retentionDays * DAY_MS;
  // What deciding needs, not the events: history can be long (scanned, not listed; without
  // payloads where the store can).
  const byRepo = new Map<string, Finished[]>();
  await scanStoredEventStates(store, { status: FINISHED }, (event) => {
    // Guard: a store that ignores the status filter must not make us delete live events.
    if (!(FINISHED as readonly string[]).includes(event.status)) return;
    const finished = byRepo.get(event.repo) ?? [];
    finished.push({ id: event.id, storedAt: Date.parse(event.storedAt) });
    byRepo.set(event.repo, finished);
  });
  const deleted: Pick<StoredEvent, 'repo' | 'id'>[] = [];
  for (const [repo, events] of byRepo) {
    const newestFirst = [...events].sort((a, b) => compareEventIds(b.id, a.id));
    for (const [index, event] of newestFirst.entries()) {
      const tooOld = Number.isFinite(event.storedAt) && event.storedAt < cutoff;
      if (!tooOld && index < retentionCount) continue;
      try {
        await store.deleteEvent(repo, event.id);
        deleted.push({ repo, id: event.id });
      } catch (error) {
        log.warn({ repo, eventId: event.id, err: error }, 'could not delete an old event');
      }
    }
  }
  if (deleted.length > 0) {
    log.info({ deleted: deleted.length, retentionDays, retentionCount }, 'pruned old events');
  }
  return { deleted };
}
