import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createCursorCache } from '../../../scheduler/cursor-cache.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import type { Cursor } from '../../../scheduler/cursor.js';
import type { EventStore } from '../../../scheduler/ports/event-store.js';
import { createManualClock } from '../../support/manual-clock.js';
import { tempDir } from '../../support/fixtures.js';

const cursor = (etag: string, lastPollAt: string): Cursor => ({
  etag,
  pageEtags: {},
  seen: [],
  lastPollAt,
});

/** A file store that counts its cursor reads and writes. */
function countingStore() {
  const store = createFileStore({ stateDir: tempDir(), log: pino({ level: 'silent' }) });
  const counts = { reads: 0, writes: 0 };
  const counted: EventStore = {
    ...store,
    getCursor: (repo) => (counts.reads++, store.getCursor(repo)),
    putCursor: (repo, c) => (counts.writes++, store.putCursor(repo, c)),
  };
  return { store: counted, counts, inner: store };
}

describe('cursor cache', () => {
  it('reads a cursor once, writes a changed one, and an idle poll’s at most hourly', async () => {
    const clock = createManualClock();
    const { store, counts, inner } = countingStore();
    const cache = createCursorCache(store, clock);
    expect(await cache.get('acme/webapp')).toBeUndefined();
    expect(await cache.get('acme/webapp')).toBeUndefined();
    expect(counts.reads).toBe(1);

    await cache.save('acme/webapp', cursor('"a"', '2026-11-25T10:00:00Z'));
    expect(counts.writes).toBe(1);
    // A 304: only lastPollAt moved.
    clock.advance(60_000);
    await cache.save('acme/webapp', cursor('"a"', '2026-11-25T10:01:00Z'));
    expect(counts.writes).toBe(1);
    expect((await cache.get('acme/webapp'))?.lastPollAt).toBe('2026-11-25T10:01:00Z');
    expect((await inner.getCursor('acme/webapp'))?.lastPollAt).toBe('2026-11-25T10:00:00Z');
    // Something new: written at once.
    await cache.save('acme/webapp', cursor('"b"', '2026-11-25T10:01:00Z'));
    expect(counts.writes).toBe(2);
    // Idle for an hour: lastPollAt is written again.
    clock.advance(60 * 60_000);
    await cache.save('acme/webapp', cursor('"b"', '2026-11-25T11:01:00Z'));
    expect(counts.writes).toBe(3);
    expect((await inner.getCursor('acme/webapp'))?.lastPollAt).toBe('2026-11-25T11:01:00Z');
    expect(counts.reads).toBe(1);
  });
});
