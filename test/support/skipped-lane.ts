import { parseEvent } from '../../handlers/event.js';
import {
  applyOutcome,
  markLaunched,
  markSkipped,
  newStoredEvent,
} from '../../scheduler/event-state.js';
import { createFileStore } from '../../scheduler/file-store.js';
import type { EventStore } from '../../scheduler/ports/event-store.js';
import { makeEvent, pushPayload, tempDir } from './fixtures.js';

const backoff = { retryBaseSeconds: 60, retryMaxSeconds: 3600 };

/** Event 100 skipped; event 101 after it ran (handled); event 102 pending. */
export async function laneWithSkippedEvent(
  stateDir = tempDir(),
  now = new Date('2026-11-25T10:00:00Z'),
): Promise<EventStore> {
  const store = createFileStore({ stateDir });
  for (const id of ['100', '101', '102']) {
    const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id }));
    await store.putEvent(newStoredEvent(event, [{ name: 'deploy', blocking: true }], now));
  }
  await store.updateEvent('acme/webapp', '100', markSkipped);
  await store.updateEvent('acme/webapp', '101', (e) =>
    applyOutcome(
      markLaunched(e, 'blocking', 1, now),
      'blocking',
      { ok: true, results: [{ name: 'deploy', lane: 'blocking', ok: true, durationMs: 5 }] },
      now,
      backoff,
    ),
  );
  return store;
}
