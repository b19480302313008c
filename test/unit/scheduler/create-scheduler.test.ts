import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { addHandler, createRegistry, type Lane } from '../../../handlers/registry.js';
import { createScheduler, type SchedulerOptions } from '../../../scheduler/create-scheduler.js';
import { markSkipped, retryNow } from '../../../scheduler/event-state.js';
import { retryEvent, skipEvent } from '../../../scheduler/operator-actions.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import type { EventStore } from '../../../scheduler/ports/event-store.js';
import type { LaunchSpec, RunOutcome } from '../../../scheduler/ports/executor.js';
import { eventually } from '../../support/eventually.js';
import { issueCommentPayload, makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { createManualClock } from '../../support/manual-clock.js';
import { fakeExecutor, queuedSource } from '../../support/scheduler-fakes.js';

const MINUTE = 60_000;

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

interface Answer {
  repo: string;
  target: unknown;
  body: string;
}

function setup(
  options: {
    repos?: string[];
    concurrency?: number;
    store?: EventStore;
    retryBaseSeconds?: number;
    checkAccess?: SchedulerOptions['checkAccess'];
    trustedAssociations?: string[];
  } = {},
) {
  const answers: Answer[] = [];
  const logs: Record<string, unknown>[] = [];
  const registry = createRegistry();
  addHandler(registry, 'PushEvent', () => {}, { name: 'deploy' });
  addHandler(registry, 'PushEvent', () => {}, { name: 'audit' });
  addHandler(registry, 'IssueCommentEvent', () => {}, { name: 'chat', blocking: false });
  const store = options.store ?? createFileStore({ stateDir: tempDir() });
  const clock = createManualClock();
  const fake = fakeExecutor();
  const { source: queued, push, pushInto } = queuedSource();
  const polls: string[] = [];
  const source: typeof queued = {
    poll: (repo, cursor, signal) => {
      polls.push(repo);
      return queued.poll(repo, cursor, signal);
    },
  };
  const stop = new AbortController();
  stops.push(stop);
  const scheduler = createScheduler({
    repos: options.repos ?? ['acme/webapp'],
    source,
    store,
    executor: fake.executor,
    leadership: { acquire: async () => new AbortController().signal, release: async () => {} },
    registry,
    config: {
      pollInterval: 60,
      retryBaseSeconds: options.retryBaseSeconds ?? 60,
      retryMaxSeconds: 6 * 3600,
      concurrency: options.concurrency ?? 2,
      handlerTimeoutSeconds: 600,
    },
    log: pino(
      { level: 'warn' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    ),
    clock,
    clusterId: 'prod/eu',
    respond: async (repo, target, body) => void answers.push({ repo, target, body }),
    ...(options.checkAccess ? { checkAccess: options.checkAccess } : {}),
    ...(options.trustedAssociations ? { trustedAssociations: options.trustedAssociations } : {}),
  });
  const done = scheduler.run(stop.signal);
  /** Moves the clock, then waits until the loop has done what that makes due. */
  const tick = async (ms: number) => {
    clock.advance(ms);
    await scheduler.idle();
  };
  return {
    tick,
    idle: () => scheduler.idle(),
    store,
    clock,
    fake,
    push,
    pushInto,
    stop,
    done,
    registry,
    answers,
    polls,
    scheduler,
    logs,
  };
}

const push = (id: string, repo = 'acme/webapp') =>
  makeEvent('PushEvent', pushPayload('refs/heads/main'), { id, repo });
const comment = (id: string) =>
  makeEvent('IssueCommentEvent', issueCommentPayload('hi', { issue: 1 }), { id });

describe('scheduler dispatch', () => {
  it('runs blocking events one at a time in numeric id order', async () => {
    const { tick, idle, fake, push: feed } = setup();
    feed(push('100'), push('9'), push('10'));
    await tick(MINUTE); // a poll is due
    const first = await eventually(() => fake.runs[0], 'first launch');
    expect(first.spec.event.id).toBe('9');
    expect(first.spec.lane).toBe('blocking');
    await idle();
    expect(fake.runs).toHaveLength(1); // the lane is busy
    fake.finish(first, 'ok');
    const second = await eventually(() => fake.runs[1], 'second launch');
    expect(second.spec.event.id).toBe('10');
    fake.finish(second, 'ok');
    const third = await eventually(() => fake.runs[2], 'third launch');
    expect(third.spec.event.id).toBe('100');
  });

  it('records a malformed payload as failed with the reason, never runs it, holds the lane', async () => {
    const { clock, tick, fake, push: feed, store } = setup();
    const { head: _head, ...noHead } = pushPayload('refs/heads/main');
    feed(makeEvent('PushEvent', noHead, { id: '5' }), push('6'));
    await tick(MINUTE); // a poll is due
    const bad = await eventually(async () => await store.getEvent('5', 'acme/webapp'));
    expect(bad).toMatchObject({
      status: 'failed',
      problem: expect.stringMatching(/payload\.head/),
    });
    expect(bad.problem).toMatch(/^malformed PushEvent payload: payload\.head: .*expected string/);
    expect(bad.handlers.deploy).toMatchObject({ status: 'failed', error: bad.problem });
    expect(bad.lanes.blocking).toMatchObject({ status: 'failed', lastError: bad.problem });
    await expect(retryEvent(store, '5', clock.now())).rejects.toThrow(/cannot run: malformed/);
    // Held like any failed blocking event, until an operator skips it; it never ran.
    await skipEvent(store, '5');
    const first = await eventually(() => fake.runs[0], 'the next event');
    expect(first.spec.event.id).toBe('6');
  });

  it('holds the lane on failure, retries attempts³ × base after the failure, then moves on', async () => {
    const { clock, tick, fake, push: feed, store } = setup();
    feed(push('1'), push('2'));
    await tick(MINUTE); // a poll is due
    const a1 = await eventually(() => fake.runs[0]);
    // The run takes 5 minutes (polls go on meanwhile): the backoff counts from its failure.
    await tick(5 * MINUTE);
    const failedAt = clock.now().getTime();
    fake.finish(a1, 'fail');
    const failed = await eventually(async () => {
      const e = await store.getEvent('1', 'acme/webapp');
      return e?.status === 'failed' ? e : undefined;
    });
    const lane = failed.lanes.blocking!;
    expect(Date.parse(lane.nextRunAt!) - failedAt).toBe(1 * MINUTE);
    expect(Date.parse(lane.lastRunAt!)).toBe(failedAt - 5 * MINUTE);
    expect(failed.handlers.deploy).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: 'exit 1',
    });

    await tick(MINUTE / 2);
    expect(fake.runs).toHaveLength(1); // held: event 2 waits, the retry is not due
    await tick(MINUTE / 2);
    const a2 = await eventually(() => fake.runs[1], 'retry');
    expect(a2.spec).toMatchObject({ attempt: 2, event: { id: '1' } });
    const failedAgainAt = clock.now().getTime();
    fake.finish(a2, 'fail');
    const again = await eventually(async () => {
      const e = await store.getEvent('1', 'acme/webapp');
      return e?.lanes.blocking?.attempts === 2 && e.status === 'failed' ? e : undefined;
    });
    const l2 = again.lanes.blocking!;
    expect(Date.parse(l2.nextRunAt!) - failedAgainAt).toBe(8 * MINUTE); // 2³
    await tick(8 * MINUTE - 1);
    expect(fake.runs).toHaveLength(2); // not due before the backoff is over
    await tick(1);
    const a3 = await eventually(() => fake.runs[2]);
    fake.finish(a3, 'ok');
    const b = await eventually(() => fake.runs[3], 'next event');
    expect(b.spec.event.id).toBe('2');
    expect((await store.getEvent('1'))?.status).toBe('handled');
  });

  it('a retry runs only the handlers not yet complete', async () => {
    const { clock, tick, fake, push: feed, store } = setup();
    feed(push('1'));
    await tick(MINUTE); // a poll is due
    const run = await eventually(() => fake.runs[0]);
    fake.finish(run, {
      ok: false,
      results: [
        { name: 'deploy', lane: 'blocking', ok: true, durationMs: 3 },
        { name: 'audit', lane: 'blocking', ok: false, durationMs: 4, error: 'boom' },
      ],
    });
    await eventually(async () => (await store.getEvent('1'))?.status === 'failed');
    await store.updateEvent('acme/webapp', '1', (e) => retryNow(e, clock.now()));
    const retry = await eventually(() => fake.runs[1], 'retry after quickcd retry');
    expect(retry.spec.completed).toEqual(['deploy']);
    expect(retry.spec.attempt).toBe(2);
  });

  it('skip releases a held lane', async () => {
    const { tick, fake, push: feed, store } = setup();
    feed(push('1'), push('2'));
    await tick(MINUTE); // a poll is due
    fake.finish(await eventually(() => fake.runs[0]), 'fail');
    await eventually(async () => (await store.getEvent('1'))?.status === 'failed');
    await store.updateEvent('acme/webapp', '1', markSkipped);
    const next = await eventually(() => fake.runs[1], 'the next event after skip');
    expect(next.spec.event.id).toBe('2');
    expect((await store.getEvent('1'))?.status).toBe('skipped');
  });

  it('runs non-blocking handlers beside the lane, at most `concurrency` at once', async () => {
    const { tick, fake, push: feed } = setup({ concurrency: 2 });
    feed(push('1'), comment('2'), comment('3'), comment('4'));
    await tick(MINUTE); // a poll is due
    await eventually(() => fake.running().length === 3, 'blocking + 2 non-blocking');
    const lanes = fake.running().map((r) => r.spec.lane);
    expect(lanes.filter((l: Lane) => l === 'nonblocking')).toHaveLength(2);
    fake.finish(
      fake.running().find((r) => r.spec.lane === 'nonblocking')!,
      'ok',
    );
    await eventually(() => fake.runs.length === 4, 'the third non-blocking run');
    expect(fake.running().filter((r) => r.spec.lane === 'nonblocking')).toHaveLength(2);
  });

  it('repositories progress independently', async () => {
    const { tick, fake, push: feed } = setup({ repos: ['acme/a', 'acme/b'] });
    feed(push('1', 'acme/a'), push('2', 'acme/a'), push('3', 'acme/b'), push('4', 'acme/b'));
    await tick(MINUTE); // a poll is due
    await eventually(() => fake.runs.length === 2, 'one run per repository');
    const a = fake.runs.find((r) => r.spec.event.repo === 'acme/a')!;
    const b = fake.runs.find((r) => r.spec.event.repo === 'acme/b')!;
    fake.finish(a, 'fail'); // acme/a is held
    fake.finish(b, 'ok');
    const next = await eventually(() => fake.runs[2]);
    expect(next.spec.event).toMatchObject({ repo: 'acme/b', id: '4' });
  });

  it('after a restart, adopts the run in flight instead of launching it again', async () => {
    const dir = tempDir();
    const first = setup({ store: createFileStore({ stateDir: dir }) });
    first.push(push('1'));
    await first.tick(MINUTE);
    const run = await eventually(() => first.fake.runs[0]);
    first.stop.abort();
    await first.done;

    // A new scheduler on the same store, with an executor that still has the run.
    const registry = createRegistry();
    addHandler(registry, 'PushEvent', () => {}, { name: 'deploy' });
    addHandler(registry, 'PushEvent', () => {}, { name: 'audit' });
    const launches: LaunchSpec[] = [];
    const observed: LaunchSpec[] = [];
    const run1: { outcome?: RunOutcome } = {};
    let changed = () => {};
    const stop = new AbortController();
    stops.push(stop);
    const store = createFileStore({ stateDir: dir });
    void createScheduler({
      repos: ['acme/webapp'],
      source: queuedSource().source,
      store,
      executor: {
        launch: async (spec) => (launches.push(spec), { name: run.name, adopted: true }),
        observe: async (spec) => {
          observed.push(spec);
          return run1.outcome
            ? { state: 'finished', name: run.name, outcome: run1.outcome }
            : { state: 'running', name: run.name };
        },
        subscribe: (onChange) => ((changed = onChange), () => {}),
      },
      leadership: { acquire: async () => new AbortController().signal, release: async () => {} },
      registry,
      config: {
        pollInterval: 60,
        retryBaseSeconds: 60,
        retryMaxSeconds: 3600,
        concurrency: 1,
        handlerTimeoutSeconds: 60,
      },
      log: pino({ level: 'silent' }),
      clock: createManualClock(),
    }).run(stop.signal);
    await eventually(() => observed.length > 0, 'the run in flight is observed');
    expect(observed[0]).toMatchObject({ attempt: 1, lane: 'blocking', event: { id: '1' } });
    run1.outcome = { ok: true, results: [] };
    changed();
    await eventually(async () => (await store.getEvent('1'))?.status === 'handled');
    expect(launches).toEqual([]); // observed, never launched again
  });

  it('obeys /quickcd skip|retry comments from authors with write access only', async () => {
    const { tick, fake, push: feed, store, answers } = setup({ retryBaseSeconds: 3600 });
    const command = (id: string, body: string, association: string) =>
      makeEvent(
        'IssueCommentEvent',
        issueCommentPayload(body, { association, login: 'ops', issue: 12 }),
        { id },
      );
    feed(push('1'), push('2'));
    await tick(MINUTE); // a poll is due
    fake.finish(await eventually(() => fake.runs[0]), 'fail');
    await eventually(async () => (await store.getEvent('1'))?.status === 'failed');

    feed(command('3', '/quickcd skip 1', 'NONE'));
    await tick(MINUTE); // a poll is due
    expect((await store.getEvent('1'))?.status).toBe('failed'); // not obeyed
    expect(answers).toHaveLength(0);

    feed(command('4', '/quickcd skip 1', 'MEMBER'), command('5', '/quickcd retry 99', 'OWNER'));
    await tick(MINUTE); // a poll is due
    await eventually(
      () => fake.runs.find((r) => r.spec.lane === 'blocking' && r.spec.event.id === '2'),
      'the lane moves on',
    );
    expect((await store.getEvent('1'))?.status).toBe('skipped');
    await eventually(() => answers.length === 2);
    expect(answers[0]).toEqual({
      repo: 'acme/webapp',
      target: { kind: 'issue', number: 12 },
      body: '**prod/eu**: @ops event 1 (PushEvent) is skipped; the events after it go on.',
    });
    expect(answers[1]!.body).toContain('cannot retry: no stored event 99 in acme/webapp');
  });

  it('obeys only the configured trusted associations (QUICKCD_TRUSTED_ASSOCIATIONS)', async () => {
    const {
      tick,
      fake,
      push: feed,
      store,
      answers,
    } = setup({
      retryBaseSeconds: 3600,
      trustedAssociations: ['OWNER', 'CONTRIBUTOR'],
    });
    const command = (id: string, body: string, association: unknown) =>
      makeEvent(
        'IssueCommentEvent',
        issueCommentPayload(body, { association: association as string, login: 'ops', issue: 12 }),
        { id },
      );
    feed(push('1'), push('2'));
    await tick(MINUTE);
    fake.finish(await eventually(() => fake.runs[0]), 'fail');
    await eventually(async () => (await store.getEvent('1'))?.status === 'failed');

    // MEMBER is trusted by default, not here; an array holding a trusted value never is.
    feed(command('3', '/quickcd skip 1', 'MEMBER'), command('4', '/quickcd skip 1', ['OWNER']));
    await tick(MINUTE);
    expect((await store.getEvent('1'))?.status).toBe('failed');
    expect(answers).toHaveLength(0);

    feed(command('5', '/quickcd skip 1', 'CONTRIBUTOR'));
    await tick(MINUTE);
    await eventually(() => answers.length === 1);
    expect((await store.getEvent('1'))?.status).toBe('skipped');
    expect(answers[0]!.body).toContain('event 1 (PushEvent) is skipped');
  });
});

describe('scheduler: GitHub access', () => {
  it('reports not-ready naming the repository and permission, keeps checking, then polls', async () => {
    const checks: string[] = [];
    let denied = true;
    const {
      tick,
      idle,
      polls,
      scheduler,
      fake,
      push: feed,
    } = setup({
      repos: ['acme/webapp', 'acme/site'],
      checkAccess: async (repo) => {
        checks.push(repo);
        if (repo !== 'acme/webapp' || !denied) return undefined;
        return {
          repo,
          kind: 'forbidden',
          status: 403,
          permission: 'Contents: read',
          message: 'the credentials may not read acme/webapp (403): grant Contents: read',
        };
      },
    });
    await eventually(() => polls.includes('acme/site'), 'the other repository is polled');
    expect(scheduler.readiness.snapshot()).toEqual({
      ready: false,
      reasons: {
        'github:acme/webapp':
          'the credentials may not read acme/webapp (403): grant Contents: read',
      },
    });
    expect(polls).not.toContain('acme/webapp');

    // Checked again after a backoff, not polled meanwhile.
    await idle();
    await tick(MINUTE);
    await eventually(() => checks.filter((r) => r === 'acme/webapp').length >= 2, 'rechecked');
    expect(polls).not.toContain('acme/webapp');

    denied = false;
    feed(push('7'));
    await tick(15 * MINUTE);
    await eventually(() => fake.runs[0], 'the event of the readable repository runs');
    expect(polls).toContain('acme/webapp');
    expect(scheduler.readiness.snapshot()).toEqual({ ready: true, reasons: {} });
  });
});

describe('scheduler: what it refuses, and says so (issue 11)', () => {
  it('never stores or runs an event of another repository than the one polled', async () => {
    const { tick, idle, fake, pushInto, store, logs } = setup();
    pushInto('acme/webapp', push('7', 'other/repo'), push('8'));
    await tick(MINUTE); // a poll is due
    const run = await eventually(() => fake.runs[0], 'the event of acme/webapp runs');
    expect(run.spec.event.id).toBe('8');
    expect(await store.getEvent('7', 'other/repo')).toBeUndefined();
    expect(await store.getEvent('7', 'acme/webapp')).toBeUndefined();
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        eventId: '7',
        eventRepo: 'other/repo',
        polledRepo: 'acme/webapp',
      }),
    );
    fake.finish(run, 'ok');
    await idle();
    expect(fake.runs.map((r) => r.spec.event.id)).toEqual(['8']);
  });

  it('logs a filter that throws as a warning naming the handler, the event and the error', async () => {
    const { tick, fake, push: feed, registry, logs } = setup();
    addHandler(registry, 'PushEvent', () => {}, {
      name: 'picky',
      filter: () => {
        throw new Error('no ref today');
      },
    });
    feed(push('5'));
    await tick(MINUTE); // a poll is due
    await eventually(() => fake.runs[0]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 40,
        handler: 'picky',
        eventId: '5',
        err: 'no ref today',
        msg: expect.stringContaining('picky'),
      }),
    );
  });
});
