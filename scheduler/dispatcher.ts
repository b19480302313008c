import type { Config } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import type { Lane, Registry } from '../handlers/registry.js';
import type { Clock } from '../common/clock.js';
import { isLaneDue, nextRunTime } from './event-state.js';
import type { EventStore, StoredEvent } from './ports/event-store.js';
import type { Executor } from './ports/executor.js';
import { createLaneReconciler } from './reconcile-lane.js';
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
  /** Called when a pass changed something (a launch, a recorded outcome): look again. */
  readonly onSettled: () => void;
  /** Told at launch, recorded outcome, retry scheduled, lane held, end of a pass. */
  readonly observer?: SchedulerObserver;
}

export interface Dispatcher {
  /**
   * One reconcile pass: every lane that may need work gets one step (launch, record, or
   * nothing). Nothing goes on in the background once it resolves, with the time (ms) the
   * next look is needed if nothing is notified before (a retry due, a run to look at).
   */
  dispatch(signal: AbortSignal): Promise<number | undefined>;
}

const byId = (a: StoredEvent, b: StoredEvent) =>
  BigInt(a.id) < BigInt(b.id) ? -1 : BigInt(a.id) > BigInt(b.id) ? 1 : 0;

/**
 * Turns stored events into runs (design, "Event lifecycle" and "Dispatch is reconciliation"):
 * one blocking lane per repository in event-id order, held by a failed event until it succeeds
 * or is skipped; non-blocking lanes beside it, at most `concurrency` running; failed lanes
 * retried after the backoff. Each pass reads the stored events and what the executor observes:
 * a run launched before a restart, by another replica, or finished while the scheduler was
 * down takes the same path as every other.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, config, log, clock } = options;
  const observer = options.observer ?? {};
  const lanes = createLaneReconciler({ ...options, observer });
  // Lanes whose last step failed (store or executor trouble): left alone for a while (doubling,
  // up to 5 minutes) instead of being tried again at once. A rate limit, not a state: the
  // stored event and the executor stay the truth.
  const backoff = new Map<string, { failures: number; notBefore: number }>();
  const heldReported = new Map<string, string>();
  const keyOf = (e: StoredEvent, lane: Lane) => JSON.stringify([e.repo, e.id, lane]);

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
    async dispatch(signal) {
      const events = (await store.listEvents({ status: ['pending', 'running', 'failed'] })).sort(
        byId,
      );
      const now = clock.now();
      let wakeAt: number | undefined;
      // Only times still ahead: a time already past would make the loop look again at once.
      const later = (t: number | undefined) => {
        if (t !== undefined && t > now.getTime())
          wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t);
      };
      const resting = (e: StoredEvent, lane: Lane) => {
        const t = backoff.get(keyOf(e, lane))?.notBefore;
        if (t === undefined || t <= now.getTime()) return false;
        later(t);
        return true;
      };
      const steps: [StoredEvent, Lane][] = [];
      const wants = (e: StoredEvent, lane: Lane) =>
        e.lanes[lane]?.status === 'running' || isLaneDue(e, lane, now);

      // Non-blocking lanes: every running one is looked at; due ones start in id order while
      // fewer than `concurrency` run.
      let slots =
        config.concurrency - events.filter((e) => e.lanes.nonblocking?.status === 'running').length;
      for (const event of events) {
        const state = event.lanes.nonblocking;
        if (!state) continue;
        if (!wants(event, 'nonblocking')) {
          if (state.status === 'failed') later(nextRunTime(state));
          continue;
        }
        if (state.status !== 'running') {
          if (slots <= 0) continue; // a running one ends first (and notifies)
          slots--;
        }
        if (!resting(event, 'nonblocking')) steps.push([event, 'nonblocking']);
      }

      // The head of each repository's blocking lane: a run in flight if any (nothing may start
      // beside it), else the lowest id not yet handled.
      const heads = new Map<string, StoredEvent>();
      for (const event of events) {
        const state = event.lanes.blocking;
        if (!state || state.status === 'handled') continue;
        const current = heads.get(event.repo);
        if (
          !current ||
          (state.status === 'running' && current.lanes.blocking?.status !== 'running')
        ) {
          heads.set(event.repo, event);
        }
      }
      for (const head of heads.values()) {
        if (!wants(head, 'blocking')) {
          holdNotice(head);
          later(nextRunTime(head.lanes.blocking));
        } else if (!resting(head, 'blocking')) steps.push([head, 'blocking']);
      }

      let acted = false;
      await Promise.all(
        steps.map(async ([event, lane]) => {
          if (signal.aborted) return;
          const key = keyOf(event, lane);
          try {
            const result = await lanes.step(event, lane);
            backoff.delete(key);
            acted ||= result.acted;
            later(result.lookAgainAt);
          } catch (error) {
            const failures = (backoff.get(key)?.failures ?? 0) + 1;
            const delay = Math.min(1000 * 2 ** failures, 5 * 60_000);
            const notBefore = clock.now().getTime() + delay;
            backoff.set(key, { failures, notBefore });
            later(notBefore);
            log.error(
              {
                repo: event.repo,
                eventId: event.id,
                lane,
                err: error,
                retryInMs: delay,
              },
              'reconcile step failed; the lane is looked at again later',
            );
          }
        }),
      );
      observer.dispatched?.({
        retryBacklog: events.reduce(
          (n, e) => n + Object.values(e.lanes).filter((l) => l.status === 'failed').length,
          0,
        ),
      });
      if (acted) options.onSettled();
      return wakeAt;
    },
  };
}
