import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { addHandler, createRegistry } from '../../../handlers/registry.js';
import { createScheduler } from '../../../scheduler/create-scheduler.js';
import { newStoredEvent } from '../../../scheduler/event-state.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import type { EventStore, StoredEvent } from '../../../scheduler/ports/event-store.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { createManualClock } from '../../support/manual-clock.js';
import { fakeExecutor, queuedSource } from '../../support/scheduler-fakes.js';

/** One corrupt stored event must not stop dispatch, and a failing pass backs off for real. */
const registry = createRegistry();
addHandler(registry, 'PushEvent', () => {}, { name: 'deploy' });
const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

const stored = (id: string, repo: string): StoredEvent =>
  newStoredEvent(
    parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id, repo })),
    registry.handlers,
    new Date(),
  );

function run(store: EventStore) {
  const fake = fakeExecutor();
  const clock = createManualClock();
  const logs: Record<string, unknown>[] = [];
  const stop = new AbortController();
  stops.push(stop);
  const scheduler = createScheduler({
    repos: ['acme/webapp'],
    source: queuedSource().source,
    store,
    executor: fake.executor,
    leadership: { acquire: async () => new AbortController().signal, release: async () => {} },
    registry,
    config: {
      pollInterval: 60,
      retryBaseSeconds: 60,
      retryMaxSeconds: 3600,
      concurrency: 2,
      handlerTimeoutSeconds: 60,
    },
    log: pino(
      { level: 'warn' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    ),
    clock,
  });
  void scheduler.run(stop.signal);
  const tick = async (ms: number) => {
    clock.advance(ms);
    await scheduler.idle();
  };
  return { fake, logs, tick, idle: () => scheduler.idle() };
}

describe('a corrupt stored event', () => {
  it('is quarantined (set aside, reported by name and field) and the others go on', async () => {
    const dir = tempDir();
    const store = createFileStore({ stateDir: dir, log: pino({ level: 'silent' }) });
    await store.putEvent(stored('5', 'acme/webapp'));
    await store.putEvent(stored('3', 'other/site'));
    // Valid JSON of the wrong shape, e.g. edited by hand.
    const bad = join(dir, 'events', 'other~site~3.json');
    writeFileSync(bad, JSON.stringify({ ...stored('3', 'other/site'), lanes: null }));
    const logs: Record<string, unknown>[] = [];
    const logged = createFileStore({
      stateDir: dir,
      log: pino(
        { level: 'warn' },
        { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
      ),
    });
    const { fake, idle } = run(logged);
    await idle();
    expect(fake.runs.map((r) => r.spec.event.id)).toEqual(['5']);
    expect(existsSync(bad)).toBe(false);
    expect(readdirSync(join(dir, 'events'))).toContain('other~site~3.json.corrupt');
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 50,
        err: expect.objectContaining({
          code: 'STORE_CORRUPT',
          message: expect.stringMatching(
            /other~site~3\.json is corrupt: .*lanes: .*expected object/,
          ),
        }),
        file: bad,
        msg: expect.stringContaining('quarantined a corrupt stored event'),
      }),
    );
    await expect(logged.getEvent('3', 'other/site')).resolves.toBeUndefined();
  });
});

describe('a dispatch pass that fails', () => {
  it('is retried after a doubling backoff, not at every change notification', async () => {
    const inner = createFileStore({ stateDir: tempDir() });
    let lists = 0;
    let notify = () => {};
    const store: EventStore = {
      ...inner,
      listEvents: async () => {
        lists++;
        throw new Error('EIO: i/o error');
      },
      subscribe: (onChange) => {
        notify = onChange;
        return () => {};
      },
    };
    const { logs, tick, idle } = run(store);
    await idle();
    expect(lists).toBe(1);
    // Changes come in (the store's own writes, an operator): they do not hurry the retry.
    for (let i = 0; i < 5; i++) {
      notify();
      await idle();
    }
    expect(lists).toBe(1);
    await tick(1999);
    expect(lists).toBe(1);
    await tick(1);
    expect(lists).toBe(2);
    await tick(3999);
    expect(lists).toBe(2); // 4 s after the second failure
    await tick(1);
    expect(lists).toBe(3);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 50, failures: 2, retryInMs: 4000 }),
    );
  });
});
