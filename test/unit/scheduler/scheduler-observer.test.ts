import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { addHandler, createRegistry } from '../../../handlers/registry.js';
import { createScheduler } from '../../../scheduler/create-scheduler.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import { createLiveness } from '../../../scheduler/liveness.js';
import { skipEvent } from '../../../scheduler/operator-actions.js';
import type { SchedulerObserver } from '../../../scheduler/scheduler-observer.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { createManualClock } from '../../support/manual-clock.js';
import { fakeExecutor, queuedSource } from '../../support/scheduler-fakes.js';

// The named points where metrics and Kubernetes Events attach to the loop and the dispatcher
// (launch, outcome recorded, retry scheduled, lane held, pass completed, polled): whatever
// reshapes the dispatcher must keep calling them.
const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

it('tells the observer of polls, launches, outcomes, retries, held lanes and passes', async () => {
  const calls: string[] = [];
  const observer: SchedulerObserver = {
    polled: (p) => void calls.push(`polled ${p.repo} fetched=${p.fetched} stored=${p.stored}`),
    launched: (p) => void calls.push(`launched ${p.event.id} ${p.lane} #${p.attempt}`),
    outcomeRecorded: (p) =>
      void calls.push(`outcome ${p.event.id} ${p.lane} #${p.attempt} ${p.ok ? 'ok' : 'failed'}`),
    retryScheduled: (p) => void calls.push(`retry ${p.event.id} at ${p.retryAt}`),
    laneHeld: (p) => void calls.push(`held by ${p.event.id}`),
  };
  let passes = 0;
  const registry = createRegistry();
  addHandler(registry, 'PushEvent', () => {}, { name: 'deploy' });
  const store = createFileStore({ stateDir: tempDir() });
  const clock = createManualClock();
  const liveness = createLiveness(clock, 60_000);
  const fake = fakeExecutor();
  const { source, push } = queuedSource();
  const stop = new AbortController();
  stops.push(stop);
  void createScheduler({
    repos: ['acme/webapp'],
    source,
    store,
    executor: fake.executor,
    leadership: { acquire: async () => new AbortController().signal, release: async () => {} },
    registry,
    config: {
      pollInterval: 60,
      retryBaseSeconds: 60,
      retryMaxSeconds: 3600,
      concurrency: 2,
      handlerTimeoutSeconds: 600,
    },
    log: pino({ level: 'silent' }),
    clock,
    liveness,
    observer: { ...observer, passCompleted: () => void passes++ },
  }).run(stop.signal);

  push(
    makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '9' }),
    makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '10' }),
  );
  clock.advance(60_000);
  const first = await eventually(() => fake.runs[0], 'the launch of 9');
  fake.finish(first, 'fail');
  await eventually(() => calls.includes('held by 9'), 'the hold');
  await skipEvent(store, '9');
  clock.advance(1000);
  const second = await eventually(() => fake.runs[1], 'the launch of 10');
  fake.finish(second, 'ok');
  await eventually(() => calls.includes('outcome 10 blocking #1 ok'), 'the outcome of 10');
  expect(calls).toEqual([
    'polled acme/webapp fetched=2 stored=2',
    'launched 9 blocking #1',
    'outcome 9 blocking #1 failed',
    'retry 9 at 2026-11-25T10:02:00.000Z',
    'held by 9',
    'launched 10 blocking #1',
    'outcome 10 blocking #1 ok',
  ]);
  expect(passes).toBeGreaterThan(1);
  expect(liveness.snapshot()).toMatchObject({ alive: true, lastPassAt: expect.any(String) });
});
