import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { addHandler, createRegistry } from '../../../handlers/registry.js';
import { createScheduler } from '../../../scheduler/create-scheduler.js';
import { markLaunched, markSkipped, newStoredEvent } from '../../../scheduler/event-state.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import {
  configMapToEvent,
  eventToConfigMap,
} from '../../../scheduler/kubernetes/event-configmap.js';
import { retryEvent } from '../../../scheduler/operator-actions.js';
import type { EventStore, StoredEvent } from '../../../scheduler/ports/event-store.js';
import type { Executor } from '../../../scheduler/ports/executor.js';
import type { Leadership } from '../../../scheduler/ports/leadership.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { createManualClock } from '../../support/manual-clock.js';
import { fakeExecutor, queuedSource } from '../../support/scheduler-fakes.js';

/** Cases found in review: restarts, hand-edited state, a failing store, standby shutdown. */
const registry = createRegistry();
addHandler(registry, 'PushEvent', () => {}, { name: 'deploy' });
const config = {
  pollInterval: 60,
  retryBaseSeconds: 60,
  retryMaxSeconds: 3600,
  concurrency: 2,
  handlerTimeoutSeconds: 60,
};
const leader: Leadership = {
  acquire: async () => new AbortController().signal,
  release: async () => {},
};
const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

const stored = (id: string, now = new Date()): StoredEvent =>
  newStoredEvent(
    parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id })),
    registry.handlers,
    now,
  );

function run(
  store: EventStore,
  options: { leadership?: Leadership; prune?: () => Promise<unknown> } = {},
) {
  const fake = fakeExecutor();
  const clock = createManualClock();
  const stop = new AbortController();
  stops.push(stop);
  const scheduler = createScheduler({
    repos: ['acme/webapp'],
    source: queuedSource().source,
    store,
    executor: fake.executor,
    leadership: options.leadership ?? leader,
    registry,
    config,
    log: pino({ level: 'silent' }),
    clock,
    ...(options.prune ? { prune: options.prune } : {}),
  });
  const done = scheduler.run(stop.signal);
  return { fake, clock, stop, done, idle: () => scheduler.idle() };
}

describe('dispatcher under restarts and bad state', () => {
  it('after a restart, adopts the blocking run in flight before starting a lower id', async () => {
    const store = createFileStore({ stateDir: tempDir() });
    await store.putEvent(markLaunched(stored('100'), 'blocking', 1, new Date()));
    await store.putEvent({ ...stored('90'), late: true }); // a late event, stored meanwhile
    const { fake, idle } = run(store);
    const first = await eventually(() => fake.runs[0]);
    expect(first.spec.event.id).toBe('100');
    await idle();
    expect(fake.runs).toHaveLength(1); // nothing beside it
    fake.finish(first, 'ok');
    const second = await eventually(() => fake.runs[1]);
    expect(second.spec.event.id).toBe('90');
  });

  it('a lane recorded running whose run is absent (killed before launching) launches that attempt', async () => {
    const store = createFileStore({ stateDir: tempDir() });
    await store.putEvent(markLaunched(stored('12'), 'blocking', 3, new Date()));
    const { fake, idle } = run(store);
    await idle();
    // The same attempt (its deterministic name), not a fourth one beside a possible third.
    expect(fake.runs.map((r) => r.spec.attempt)).toEqual([3]);
    fake.finish(fake.runs[0]!, 'ok');
    await eventually(async () => (await store.getEvent('12'))?.status === 'handled');
    expect((await store.getEvent('12'))?.lanes.blocking).toMatchObject({ attempts: 3 });
  });

  it('a refused launch is recorded as that attempt failing, then retried after the backoff', async () => {
    const store = createFileStore({ stateDir: tempDir() });
    await store.putEvent(stored('13'));
    const fake = fakeExecutor();
    let refuse = true;
    const executor: Executor = {
      ...fake.executor,
      launch: async (spec) =>
        refuse ? { name: 'x', refused: 'jobs.batch is forbidden' } : fake.executor.launch(spec),
    };
    const clock = createManualClock();
    const stop = new AbortController();
    stops.push(stop);
    const scheduler = createScheduler({
      repos: ['acme/webapp'],
      source: queuedSource().source,
      store,
      executor,
      leadership: leader,
      registry,
      config,
      log: pino({ level: 'silent' }),
      clock,
    });
    void scheduler.run(stop.signal);
    await scheduler.idle();
    expect((await store.getEvent('13'))?.lanes.blocking).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: expect.stringMatching(/^launch refused: jobs.batch is forbidden/),
    });
    refuse = false;
    clock.advance(60_000); // attempts³ × 60 s
    await scheduler.idle();
    expect(fake.runs.map((r) => r.spec.attempt)).toEqual([2]);
  });

  it('an unreadable retry time (hand-edited) counts as due and does not stall the loop', async () => {
    const store = createFileStore({ stateDir: tempDir() });
    const event = stored('7');
    await store.putEvent({
      ...event,
      status: 'failed',
      lanes: { blocking: { status: 'failed', attempts: 1, nextRunAt: 'next tuesday' } },
    });
    const { fake, idle } = run(store);
    const retry = await eventually(() => fake.runs[0], 'the retry');
    expect(retry.spec.attempt).toBe(2);
    await idle(); // the loop settles: it does not spin on the unreadable time
  });

  it('a store that fails writes is tried again after a delay, not in a hot loop', async () => {
    const inner = createFileStore({ stateDir: tempDir() });
    await inner.putEvent(stored('5'));
    let writes = 0;
    let broken = true;
    const store: EventStore = {
      ...inner,
      updateEvent: async (repo, id, mutate) => {
        writes++;
        if (broken) throw new Error('ENOSPC: no space left on device');
        return inner.updateEvent(repo, id, mutate);
      },
    };
    const { fake, clock, idle } = run(store);
    await idle();
    expect(writes).toBe(1); // waits (on the clock) instead of spinning
    broken = false;
    clock.advance(2000);
    await eventually(() => fake.runs[0], 'launched once the store works again');
  });

  it('does not launch an event skipped after the dispatch pass read it', async () => {
    const inner = createFileStore({ stateDir: tempDir() });
    await inner.putEvent(stored('3'));
    const store: EventStore = {
      ...inner,
      // The operator's skip lands between the pass's read and the launch.
      listEvents: async (filter) => {
        const snapshot = await inner.listEvents(filter);
        if (snapshot.some((e) => e.id === '3' && e.status === 'pending')) {
          await inner.updateEvent('acme/webapp', '3', markSkipped);
        }
        return snapshot;
      },
    };
    const { fake, idle } = run(store);
    await idle();
    expect(fake.runs).toHaveLength(0);
    expect((await inner.getEvent('3'))?.status).toBe('skipped');
  });

  it('a clock advance that lands while a pass is under way is not lost', async () => {
    const store = createFileStore({ stateDir: tempDir() });
    const clock0 = createManualClock().now();
    await store.putEvent({
      ...stored('8', clock0),
      status: 'failed',
      lanes: {
        blocking: {
          status: 'failed',
          attempts: 1,
          nextRunAt: new Date(clock0.getTime() + 30_000).toISOString(),
        },
      },
    });
    // The pass is slow: the retry falls due after the dispatcher looked, before the loop sleeps.
    let pruned = 0;
    const { fake, clock, idle } = run(store, {
      prune: async () => {
        if (pruned++ === 0) clock.advance(30_000);
      },
    });
    await idle();
    expect(fake.runs.map((r) => r.spec.attempt)).toEqual([2]);
  });

  it('a standby scheduler stopped while waiting for leadership stops cleanly', async () => {
    const standby: Leadership = {
      acquire: (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
      release: async () => {},
    };
    const { stop, done } = run(createFileStore({ stateDir: tempDir() }), { leadership: standby });
    stop.abort();
    await expect(done).resolves.toBe('stopped');
  });
});

describe('an event stored without its payload (too large even compressed)', () => {
  it('never runs, stays failed with its reason, and cannot be retried', async () => {
    // The ConfigMap encoding with a tiny limit: what the Kubernetes store keeps of a huge event.
    const inner = createFileStore({ stateDir: tempDir() });
    const asStored = (e: StoredEvent) => configMapToEvent(eventToConfigMap(e, 600));
    const store: EventStore = {
      ...inner,
      putEvent: (e) => inner.putEvent(asStored(e)),
      updateEvent: (repo, id, mutate) => inner.updateEvent(repo, id, (e) => asStored(mutate(e))),
    };
    const big = parseEvent(
      makeEvent(
        'PushEvent',
        {
          ...pushPayload('refs/heads/main'),
          commits: [{ message: randomBytes(2000).toString('base64') }],
        },
        { id: '20' },
      ),
    );
    await store.putEvent(newStoredEvent(big, registry.handlers, createManualClock().now()));
    const { fake, idle, clock } = run(store);
    await idle();
    expect(fake.runs).toHaveLength(0);
    const kept = await store.getEvent('20', 'acme/webapp');
    expect(kept).toMatchObject({
      status: 'failed',
      problem: expect.stringMatching(/too large to store/),
    });
    expect(kept?.event.payload).toEqual({});
    expect(kept?.handlers.deploy).toMatchObject({ status: 'failed', error: kept?.problem });
    await expect(retryEvent(store, '20', clock.now())).rejects.toThrow(
      /cannot run: event 20 is too large/,
    );
    clock.advance(24 * 3600_000);
    await idle();
    expect(fake.runs).toHaveLength(0);
  });
});

describe('a launch whose answer is lost', () => {
  it('is not taken for absence when looking for the run fails too: no second attempt beside it', async () => {
    const store = createFileStore({ stateDir: tempDir() });
    await store.putEvent(stored('11'));
    const fake = fakeExecutor();
    let broken = true;
    // POST /jobs applied by the server, but the client sees a 500; the GET after it fails too.
    const executor: Executor = {
      ...fake.executor,
      launch: async (spec) => {
        const launch = await fake.executor.launch(spec);
        if (broken) throw new Error('Cannot create Job: HTTP 500 Internal Server Error');
        return launch;
      },
      observe: async (spec) => {
        if (broken) throw new Error('Cannot read Job: HTTP 500 Internal Server Error');
        return fake.executor.observe(spec);
      },
    };
    const clock = createManualClock();
    const stop = new AbortController();
    stops.push(stop);
    const scheduler = createScheduler({
      repos: ['acme/webapp'],
      source: queuedSource().source,
      store,
      executor,
      leadership: leader,
      registry,
      config,
      log: pino({ level: 'silent' }),
      clock,
    });
    void scheduler.run(stop.signal);
    await scheduler.idle();
    expect(fake.runs.map((r) => r.spec.attempt)).toEqual([1]);
    expect((await store.getEvent('11'))?.lanes.blocking).toMatchObject({
      status: 'running',
      attempts: 1,
    });
    // Well past the backoff of a failed attempt: still the one run.
    clock.advance(10 * 60_000);
    await scheduler.idle();
    expect(fake.runs.map((r) => r.spec.attempt)).toEqual([1]);
    // The API server answers again: the run is adopted and its outcome recorded.
    broken = false;
    clock.advance(10 * 60_000);
    await scheduler.idle();
    fake.finish(fake.runs[0]!, 'ok');
    await eventually(async () => (await store.getEvent('11'))?.status === 'handled');
    expect(fake.runs).toHaveLength(1);
  });
});
