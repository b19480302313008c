import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { compareEventIds, parseEvent } from '../../../handlers/event.js';
import type { EventStatus, EventStore, StoredEvent } from '../../../scheduler/ports/event-store.js';
import { pruneEvents } from '../../../scheduler/prune-events.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';

/** An in-memory EventStore (only what pruning uses is meaningful). */
function memoryStore(events: StoredEvent[]) {
  const byKey = new Map(events.map((e) => [`${e.repo}#${e.id}`, e]));
  const deleted: string[] = [];
  const store: EventStore = {
    putEvent: async () => false,
    getEvent: async () => undefined,
    listEvents: async (filter = {}) =>
      [...byKey.values()]
        .filter((e) => !filter.repo || e.repo === filter.repo)
        .filter((e) => !filter.status || filter.status.includes(e.status))
        .sort((a, b) => compareEventIds(a.id, b.id)),
    updateEvent: async () => {
      throw new Error('unused');
    },
    deleteEvent: async (repo, id) => {
      deleted.push(`${repo}#${id}`);
      byKey.delete(`${repo}#${id}`);
    },
    getCursor: async () => undefined,
    putCursor: async () => undefined,
  };
  return { store, deleted, left: () => [...byKey.keys()] };
}

const NOW = new Date('2026-11-30T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

function stored(
  id: string,
  status: EventStatus,
  ageDays: number,
  repo = 'acme/webapp',
): StoredEvent {
  const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id, repo }));
  return {
    repo,
    id,
    type: event.type,
    event,
    status,
    lanes: {},
    handlers: {},
    storedAt: daysAgo(ageDays),
    late: false,
  };
}

const log = pino({ level: 'silent' });

describe('pruneEvents', () => {
  it('deletes handled and skipped events older than retentionDays, never unfinished ones', async () => {
    const { store, deleted } = memoryStore([
      stored('1', 'handled', 40),
      stored('2', 'skipped', 31),
      stored('3', 'failed', 90),
      stored('4', 'pending', 90),
      stored('5', 'running', 90),
      stored('6', 'handled', 29),
    ]);
    const result = await pruneEvents(store, {
      retentionDays: 30,
      retentionCount: 100,
      now: NOW,
      log,
    });
    expect(deleted.sort()).toEqual(['acme/webapp#1', 'acme/webapp#2']);
    expect(result.deleted).toHaveLength(2);
  });

  it('keeps the newest retentionCount finished events per repository, by numeric id', async () => {
    const { store, left } = memoryStore([
      stored('9', 'handled', 1),
      stored('10', 'handled', 1),
      stored('100', 'skipped', 1),
      stored('8', 'failed', 1),
      stored('7', 'handled', 1, 'acme/other'),
    ]);
    await pruneEvents(store, { retentionDays: 30, retentionCount: 2, now: NOW, log });
    expect(left().sort()).toEqual([
      'acme/other#7',
      'acme/webapp#10',
      'acme/webapp#100',
      'acme/webapp#8',
    ]);
  });

  it('guards against a store that ignores the status filter', async () => {
    const { store, deleted } = memoryStore([stored('1', 'pending', 99), stored('2', 'failed', 99)]);
    const ignoring: EventStore = { ...store, listEvents: () => store.listEvents() };
    await pruneEvents(ignoring, { retentionDays: 1, retentionCount: 0, now: NOW, log });
    expect(deleted).toEqual([]);
  });

  it('goes on past a failed delete, and checks its arguments', async () => {
    const { store, deleted } = memoryStore([
      stored('1', 'handled', 99),
      stored('2', 'handled', 99),
    ]);
    const flaky: EventStore = {
      ...store,
      deleteEvent: async (repo, id) => {
        if (id === '2') throw new Error('boom');
        await store.deleteEvent(repo, id);
      },
    };
    const result = await pruneEvents(flaky, {
      retentionDays: 1,
      retentionCount: 10,
      now: NOW,
      log,
    });
    expect(result.deleted).toEqual([{ repo: 'acme/webapp', id: '1' }]);
    expect(deleted).toEqual(['acme/webapp#1']);
    await expect(
      pruneEvents(store, { retentionDays: -1, retentionCount: 1, now: NOW, log }),
    ).rejects.toThrow(/expected retentionDays >= 0/);
  });
});
