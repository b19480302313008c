import PQueue from 'p-queue';
import type { Config } from '../common/config.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Lane, Registry } from '../handlers/registry.js';
import type { Clock } from './clock.js';
import {
  applyOutcome,
  completedHandlers,
  isLaneDue,
  markLaunched,
  nextRunTime,
} from './event-state.js';
import type { EventStore, StoredEvent } from './ports/event-store.js';
import type { Executor, LaunchSpec, RunOutcome } from './ports/executor.js';
import type { SchedulerObserver } from './scheduler-observer.js';

export interface DispatcherOptions {
  readonly store: EventStore;
  readonly executor: Executor;
  readonly registry: Registry;
  readonly config: Pick<
    Config,
    'retryBaseSeconds' | 'retryMaxSeconds' | 'concurrency' | 'handlerTimeoutSeconds'
  >;
  readonly log: Logger;
  readonly clock: Clock;
  /** Called when a run has been recorded: time for another pass. */
  readonly onSettled: () => void;
  /** Told at launch, recorded outcome, retry scheduled, lane held, end of a pass. */
  readonly observer?: SchedulerObserver;
}

export interface Dispatcher {
  /**
   * One pass over the stored events: starts every lane that may run now (or adopts a run that
   * was in flight before a restart). Runs continue in the background. Resolves with the time
   * (ms) a held lane becomes due, if any.
   */
  dispatch(signal: AbortSignal): Promise<number | undefined>;
  /** Runs in flight (launched or adopted, result not yet recorded). */
  readonly active: number;
  /** Whether bookkeeping is under way (launching, recording): not merely waiting for runs. */
  readonly busy: boolean;
  /** Resolves when the bookkeeping of every run in flight has finished or been abandoned. */
  settled(): Promise<void>;
}

/** Seconds a runner may run beyond its handlers' timeouts before it is stopped. */
const DEADLINE_MARGIN_SECONDS = 60;

/** The event changed after the dispatch pass read it: that pass's decision no longer holds. */
class StaleSnapshot extends Error {}

/**
 * Turns stored events into runs (design, "Event lifecycle"): one blocking lane per repository
 * in event-id order, held by a failed event until it succeeds or is skipped; non-blocking lanes
 * beside it through a p-queue; failed lanes retried after the backoff.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, executor, registry, config, log, clock } = options;
  const observer = options.observer ?? {};
  const queue = new PQueue({ concurrency: config.concurrency });
  const active = new Map<string, Promise<void>>();
  const heldReported = new Map<string, string>();
  const troubled = new Map<string, { failures: number; notBefore: number }>();
  const keyOf = (e: StoredEvent, lane: Lane) => `${e.repo}#${e.id}#${lane}`;
  // Lanes whose bookkeeping is running (not parked waiting for their run to finish).
  let working = 0;
  async function parked<T>(promise: Promise<T>): Promise<T> {
    working--;
    try {
      return await promise;
    } finally {
      working++;
    }
  }

  function start(event: StoredEvent, lane: Lane, signal: AbortSignal): void {
    const key = keyOf(event, lane);
    const work = async () => {
      working++;
      try {
        await runLane(event, lane, signal);
      } finally {
        working--;
      }
    };
    const promise = (lane === 'blocking' ? work() : queue.add(work))
      .then(() => void troubled.delete(key))
      .catch((error: unknown) => {
        // Store or executor trouble: the event stays as stored, and this lane is left alone
        // for a while (doubling, up to 5 minutes) instead of being tried again at once.
        const failures = (troubled.get(key)?.failures ?? 0) + 1;
        const delay = Math.min(1000 * 2 ** failures, 5 * 60_000);
        troubled.set(key, { failures, notBefore: clock.now().getTime() + delay });
        log.error(
          { repo: event.repo, eventId: event.id, lane, err: errorMessage(error), retryInMs: delay },
          'run bookkeeping failed; trying again later',
        );
      })
      .finally(() => {
        active.delete(key);
        options.onSettled();
      });
    active.set(key, promise);
  }

  async function runLane(initial: StoredEvent, lane: Lane, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const elog = log.child({ repo: initial.repo, eventId: initial.id, type: initial.type, lane });
    const adopting = initial.lanes[lane]?.status === 'running';
    const attempt = adopting
      ? (initial.lanes[lane]?.attempts ?? 1)
      : (initial.lanes[lane]?.attempts ?? 0) + 1;
    // Recorded before launching: a crash after this finds the run by its deterministic name.
    // The pass that chose this lane read a snapshot: if the event changed since (a run just
    // recorded, an operator skipped it), nothing is launched and the next pass decides again.
    const unchanged = (e: StoredEvent) =>
      e.status !== 'skipped' &&
      e.lanes[lane]?.status === initial.lanes[lane]?.status &&
      e.lanes[lane]?.attempts === initial.lanes[lane]?.attempts;
    let event: StoredEvent;
    if (adopting) {
      const current = await store.getEvent(initial.id, initial.repo);
      if (!current || !unchanged(current)) return;
      event = current;
    } else {
      try {
        event = await store.updateEvent(initial.repo, initial.id, (e) => {
          if (!unchanged(e)) throw new StaleSnapshot();
          return markLaunched(e, lane, attempt, clock.now());
        });
      } catch (error) {
        if (error instanceof StaleSnapshot) return;
        throw error;
      }
    }
    const spec = launchSpec(event, lane, attempt);
    let outcome: RunOutcome;
    let launchName: string | undefined;
    const launchedAt = clock.now().getTime();
    try {
      const launch = await executor.launch(spec);
      launchName = launch.name;
      observer.launched?.({ event, lane, attempt, launch: launch.name, adopted: launch.adopted });
      elog.info(
        { launch: launch.name, attempt, completed: spec.completed },
        launch.adopted ? 'adopted a run launched before a restart' : 'launched',
      );
      outcome = await parked(executor.wait(launch, spec, signal));
    } catch (error) {
      if (signal.aborted) {
        elog.info({ launch: launchName }, 'stopped waiting; the run is found again on start');
        return;
      }
      // A launch that failed on the way back may still have started the run: never start the
      // next attempt beside it. If it exists, the lane stays running and is adopted later. An
      // error is never evidence of absence: only a definite "not found" (find resolving
      // undefined, e.g. a 404) fails the attempt; a failing look leaves the lane running.
      const found = await executor.find(spec).then(
        (f) => f !== undefined,
        () => true,
      );
      if (found) throw error;
      outcome = { ok: false, results: undefined, reason: `launch failed: ${errorMessage(error)}` };
    }
    const recorded = await store.updateEvent(event.repo, event.id, (e) => {
      const next = applyOutcome(e, lane, outcome, clock.now(), config);
      const state = next.lanes[lane];
      return launchName && state
        ? { ...next, lanes: { ...next.lanes, [lane]: { ...state, launch: launchName } } }
        : next;
    });
    const state = recorded.lanes[lane];
    observer.outcomeRecorded?.({
      event: recorded,
      lane,
      attempt,
      ok: state?.status === 'handled',
      seconds: (clock.now().getTime() - launchedAt) / 1000,
      ...(launchName ? { launch: launchName } : {}),
      ...(state?.lastError ? { reason: state.lastError } : {}),
    });
    if (state?.status === 'failed' && state.nextRunAt) {
      observer.retryScheduled?.({ event: recorded, lane, attempt, retryAt: state.nextRunAt });
    }
    const results = outcome.results?.map((r) => ({ name: r.name, ok: r.ok, ms: r.durationMs }));
    if (state?.status === 'handled') {
      elog.info({ launch: launchName, attempt, results }, 'lane handled');
    } else {
      elog.warn(
        {
          launch: launchName,
          attempt,
          results,
          reason: state?.lastError,
          retryAt: state?.nextRunAt,
        },
        lane === 'blocking'
          ? 'lane failed: it holds the repository until a retry succeeds or the event is skipped'
          : 'lane failed: retried after the backoff',
      );
    }
  }

  function launchSpec(event: StoredEvent, lane: Lane, attempt: number): LaunchSpec {
    const completed = completedHandlers(event, lane);
    const timeouts = Object.entries(event.handlers)
      .filter(([name, h]) => h.lane === lane && !completed.includes(name))
      .map(
        ([name]) =>
          registry.handlers.find((h) => h.name === name)?.timeoutSeconds ??
          config.handlerTimeoutSeconds,
      );
    const total = timeouts.reduce((a, b) => a + b, 0) || config.handlerTimeoutSeconds;
    return { event, lane, attempt, completed, timeoutSeconds: total + DEADLINE_MARGIN_SECONDS };
  }

  function holdNotice(event: StoredEvent): void {
    const state = event.lanes.blocking;
    const key = `${event.id}@${state?.nextRunAt ?? ''}`;
    if (heldReported.get(event.repo) === key) return;
    heldReported.set(event.repo, key);
    observer.laneHeld?.({ event, ...(state?.nextRunAt ? { retryAt: state.nextRunAt } : {}) });
    log.info(
      { repo: event.repo, eventId: event.id, retryAt: state?.nextRunAt, attempts: state?.attempts },
      'blocking lane held by a failed event (quickcd retry or quickcd skip to release it now)',
    );
  }

  return {
    get active() {
      return active.size;
    },

    get busy() {
      return working > 0;
    },

    async dispatch(signal) {
      const events = await store.listEvents({ status: ['pending', 'running', 'failed'] });
      const now = clock.now();
      let wakeAt: number | undefined;
      // Only times still ahead: a time already past would make the loop look again at once.
      const later = (t: number | undefined) => {
        if (t !== undefined && t > now.getTime())
          wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t);
      };
      // Lanes in trouble wait out their delay.
      const resting = (e: StoredEvent, lane: Lane) => {
        const t = troubled.get(keyOf(e, lane))?.notBefore;
        if (t === undefined || t <= now.getTime()) return false;
        later(t);
        return true;
      };
      const heads = new Map<string, StoredEvent>();
      for (const event of events) {
        const blocking = event.lanes.blocking;
        // The head of a repository's lane: a blocking run in flight if any (to adopt after a
        // restart: nothing may start beside it), else the lowest id not yet handled.
        const current = heads.get(event.repo);
        if (
          blocking &&
          blocking.status !== 'handled' &&
          (!current ||
            (blocking.status === 'running' && current.lanes.blocking?.status !== 'running'))
        ) {
          heads.set(event.repo, event);
        }
        const nonblocking = event.lanes.nonblocking;
        if (!nonblocking || active.has(keyOf(event, 'nonblocking'))) continue;
        if (resting(event, 'nonblocking')) continue;
        if (nonblocking.status === 'running' || isLaneDue(event, 'nonblocking', now)) {
          start(event, 'nonblocking', signal);
        } else if (nonblocking.status === 'failed') {
          later(nextRunTime(nonblocking));
        }
      }
      for (const head of heads.values()) {
        if (active.has(keyOf(head, 'blocking')) || resting(head, 'blocking')) continue;
        if (
          [...active.keys()].some((k) => k.startsWith(`${head.repo}#`) && k.endsWith('#blocking'))
        )
          continue;
        if (head.lanes.blocking?.status === 'running' || isLaneDue(head, 'blocking', now)) {
          if (head.late)
            log.info({ repo: head.repo, eventId: head.id }, 'dispatching a late event');
          start(head, 'blocking', signal);
        } else {
          holdNotice(head);
          later(nextRunTime(head.lanes.blocking));
        }
      }
      observer.dispatched?.({
        retryBacklog: events.reduce(
          (n, e) => n + Object.values(e.lanes).filter((l) => l.status === 'failed').length,
          0,
        ),
      });
      return wakeAt;
    },

    async settled() {
      await Promise.allSettled([...active.values()]);
    },
  };
}
