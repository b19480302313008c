import type { Clock } from '../common/clock.js';
import type { Cursor } from './cursor.js';
import type { EventStore } from './ports/event-store.js';

/** An idle poll (a 304) changes only `lastPollAt`: that alone is written at most this often. */
const CURSOR_REFRESH_MS = 60 * 60_000;

export interface CursorCache {
  /** The repository's cursor: read from the store once, then from memory. */
  get(repo: string): Promise<Cursor | undefined>;
  /** Remembers `cursor`, and writes it to the store unless only its `lastPollAt` moved lately. */
  save(repo: string, cursor: Cursor): Promise<void>;
}

/**
 * The cursors of the repositories polled while this process leads: it is their only writer,
 * so each is read from the store once, and a cursor is written only when it changes (or hourly).
 */
export function createCursorCache(store: EventStore, clock: Clock): CursorCache {
  const cursors = new Map<string, Cursor | undefined>();
  const saved = new Map<string, { key: string; at: number }>();
  return {
    async get(repo) {
      if (cursors.has(repo)) return cursors.get(repo);
      const cursor = await store.getCursor(repo);
      cursors.set(repo, cursor);
      return cursor;
    },

    async save(repo, cursor) {
      const { lastPollAt: _t, ...essence } = cursor;
      const key = JSON.stringify(essence);
      const last = saved.get(repo);
      const now = clock.now().getTime();
      if (last?.key !== key || now - last.at >= CURSOR_REFRESH_MS) {
        await store.putCursor(repo, cursor);
        saved.set(repo, { key, at: now });
      }
      cursors.set(repo, cursor);
    },
  };
}
