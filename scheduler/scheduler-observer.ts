import type { Lane } from '../handlers/registry.js';
import type { StoredEvent } from './ports/event-store.js';

/**
 * What the scheduler tells the outside (metrics, Kubernetes Events) at a few named points of its
 * loop and dispatcher. Every method is optional and must not throw or block: observers count and
 * queue, they never change a decision.
 */
export interface SchedulerObserver {
  /** One poll of a repository ended (`error` set when it failed). */
  polled?(p: {
    readonly repo: string;
    readonly fetched: number;
    readonly stored: number;
    readonly seconds: number;
    readonly error?: string;
  }): void;
  /** The loop completed a pass (poll, dispatch, housekeeping). */
  passCompleted?(): void;
  /** A dispatch pass ended: failed lanes waiting for their retry. */
  dispatched?(p: { readonly retryBacklog: number }): void;
  /** A runner was launched (or one launched before a restart adopted). */
  launched?(p: {
    readonly event: StoredEvent;
    readonly lane: Lane;
    readonly attempt: number;
    readonly launch: string;
    readonly adopted: boolean;
  }): void;
  /** A run's outcome was recorded on the event (`event` as recorded). */
  outcomeRecorded?(p: {
    readonly event: StoredEvent;
    readonly lane: Lane;
    readonly attempt: number;
    readonly ok: boolean;
    readonly seconds: number;
    readonly launch?: string;
    readonly reason?: string;
  }): void;
  /** A failed lane will run again at `retryAt` (ISO time). */
  retryScheduled?(p: {
    readonly event: StoredEvent;
    readonly lane: Lane;
    readonly attempt: number;
    readonly retryAt: string;
  }): void;
  /** A repository's blocking lane is held by a failed event (reported once per retry time). */
  laneHeld?(p: { readonly event: StoredEvent; readonly retryAt?: string }): void;
  /** An event was skipped by a `/quickcd skip` comment. */
  skipped?(p: { readonly repo: string; readonly eventId: string; readonly by: string }): void;
}

/** One observer calling each of `observers` in turn; one that throws does not stop the others. */
export function combineObservers(
  ...observers: readonly (SchedulerObserver | undefined)[]
): SchedulerObserver {
  const all = observers.filter((o): o is SchedulerObserver => o !== undefined);
  const fan =
    <K extends keyof SchedulerObserver>(key: K) =>
    (arg: Parameters<NonNullable<SchedulerObserver[K]>>[0]) => {
      for (const o of all) {
        try {
          (o[key] as ((a: typeof arg) => void) | undefined)?.(arg);
        } catch {
          // an observer's trouble is its own
        }
      }
    };
  return {
    polled: fan('polled'),
    passCompleted: () => fan('passCompleted')(undefined),
    dispatched: fan('dispatched'),
    launched: fan('launched'),
    outcomeRecorded: fan('outcomeRecorded'),
    retryScheduled: fan('retryScheduled'),
    laneHeld: fan('laneHeld'),
    skipped: fan('skipped'),
  };
}
