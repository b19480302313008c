import type { Config } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import type { Lane, Registry } from '../handlers/registry.js';
import type { Clock } from '../common/clock.js';
import { applyOutcome, completedHandlers, isLaneDue, markLaunched } from './event-state.js';
import type { EventStore, StoredEvent } from './ports/event-store.js';
import type { Executor, LaunchSpec, RunOutcome } from './ports/executor.js';
import type { SchedulerObserver } from './scheduler-observer.js';

export interface LaneReconcilerOptions {
  readonly store: EventStore;
  readonly executor: Executor;
  readonly registry: Registry;
  readonly config: Pick<Config, 'retryBaseSeconds' | 'retryMaxSeconds' | 'handlerTimeoutSeconds'>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly observer: SchedulerObserver;
}

/** What one step did: `acted` when it changed the world (the next pass may have more to do). */
export interface StepResult {
  readonly acted: boolean;
  /** When this lane needs another look even if nothing is notified (ms since the epoch). */
  readonly lookAgainAt?: number;
}

/** Seconds a runner may run beyond its handlers' timeouts before it is stopped. */
const DEADLINE_MARGIN_SECONDS = 60;

/**
 * One reconcile step of one event lane (design, "Dispatch is reconciliation"): from the stored
 * lane and what the executor observes of its current attempt, exactly one thing is done —
 *
 * | stored lane       | observed run | step                                   |
 * |-------------------|--------------|----------------------------------------|
 * | pending, due      | –            | record attempt n+1 as running; launch  |
 * | running attempt n | absent       | launch it (its name is deterministic)  |
 * | running attempt n | running      | nothing                                |
 * | running attempt n | finished     | record the outcome; release the run    |
 *
 * Every write is a transition of the event as it is when written (a lane no longer due, or
 * no longer running attempt n, is left alone), so a step taken on an old read does nothing.
 * A launch or look that fails throws: the lane keeps its stored state and is looked at again.
 */
export function createLaneReconciler(options: LaneReconcilerOptions) {
  const { store, executor, registry, config, log, clock, observer } = options;

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

  const runningAttempt = (e: StoredEvent, lane: Lane, attempt: number) =>
    e.lanes[lane]?.status === 'running' && e.lanes[lane]?.attempts === attempt;

  async function launch(spec: LaunchSpec): Promise<StepResult> {
    const { event, lane, attempt } = spec;
    const launched = await executor.launch(spec);
    if ('refused' in launched) {
      return record(spec, launched.name, {
        ok: false,
        results: undefined,
        reason: `launch refused: ${launched.refused}`,
      });
    }
    observer.launched?.({ event, lane, attempt, launch: launched.name, adopted: launched.adopted });
    log.info(
      { repo: event.repo, eventId: event.id, lane, launch: launched.name, attempt },
      launched.adopted ? 'adopted a run that was launched already' : 'launched',
    );
    return { acted: true };
  }

  async function record(spec: LaunchSpec, name: string, outcome: RunOutcome): Promise<StepResult> {
    const { event, lane, attempt } = spec;
    let applied = false;
    const recorded = await store.updateEvent(event.repo, event.id, (e) => {
      // Recorded already (another replica, an earlier step whose answer was lost).
      applied = runningAttempt(e, lane, attempt);
      if (!applied) return e;
      const next = applyOutcome(e, lane, outcome, clock.now(), config);
      const state = next.lanes[lane];
      return state
        ? { ...next, lanes: { ...next.lanes, [lane]: { ...state, launch: name } } }
        : next;
    });
    if (applied) reportOutcome(recorded, spec, name, outcome);
    await executor.release?.(spec);
    return { acted: applied };
  }

  function reportOutcome(
    recorded: StoredEvent,
    spec: LaunchSpec,
    name: string,
    outcome: RunOutcome,
  ) {
    const { lane, attempt } = spec;
    const state = recorded.lanes[lane];
    const startedAt = Date.parse(spec.event.lanes[lane]?.lastRunAt ?? '');
    observer.outcomeRecorded?.({
      event: recorded,
      lane,
      attempt,
      ok: state?.status === 'handled',
      seconds: Number.isNaN(startedAt) ? 0 : (clock.now().getTime() - startedAt) / 1000,
      launch: name,
      ...(state?.lastError ? { reason: state.lastError } : {}),
    });
    if (state?.status === 'failed' && state.nextRunAt) {
      observer.retryScheduled?.({ event: recorded, lane, attempt, retryAt: state.nextRunAt });
    }
    const elog = log.child({
      repo: recorded.repo,
      eventId: recorded.id,
      type: recorded.type,
      lane,
    });
    const results = outcome.results?.map((r) => ({ name: r.name, ok: r.ok, ms: r.durationMs }));
    if (state?.status === 'handled') {
      elog.info({ launch: name, attempt, results }, 'lane handled');
    } else {
      elog.warn(
        { launch: name, attempt, results, reason: state?.lastError, retryAt: state?.nextRunAt },
        lane === 'blocking'
          ? 'lane failed: it holds the repository until a retry succeeds or the event is skipped'
          : 'lane failed: retried after the backoff',
      );
    }
  }

  return {
    /** One step for `lane` of `event` (as read by this pass). */
    async step(event: StoredEvent, lane: Lane): Promise<StepResult> {
      const state = event.lanes[lane];
      if (state?.status === 'running') {
        const spec = launchSpec(event, lane, state.attempts);
        const seen = await executor.observe(spec);
        if (seen.state === 'finished') return record(spec, seen.name, seen.outcome);
        if (seen.state === 'absent') return launch(spec);
        return seen.lookAgainInMs === undefined
          ? { acted: false }
          : { acted: false, lookAgainAt: clock.now().getTime() + seen.lookAgainInMs };
      }
      const attempt = (state?.attempts ?? 0) + 1;
      // Written before launching: a crash after this finds the run by its deterministic name.
      let applied = false;
      const marked = await store.updateEvent(event.repo, event.id, (e) => {
        applied = isLaneDue(e, lane, clock.now()) && (e.lanes[lane]?.attempts ?? 0) === attempt - 1;
        return applied ? markLaunched(e, lane, attempt, clock.now()) : e;
      });
      if (!applied) return { acted: true };
      if (event.late) log.info({ repo: event.repo, eventId: event.id }, 'dispatching a late event');
      return launch(launchSpec(marked, lane, attempt));
    },
  };
}
