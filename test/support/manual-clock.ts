import type { Clock } from '../../common/clock.js';

/** A clock that moves only when the test says so: backoff is tested without sleeping. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
  /** Sleepers waiting now. */
  readonly sleepers: number;
}

export function createManualClock(start = Date.parse('2026-11-25T10:00:00Z')): ManualClock {
  let now = start;
  const waiters = new Set<{ until: number; resolve: () => void }>();
  return {
    now: () => new Date(now),
    sleep(ms, signal) {
      return new Promise((resolve) => {
        if (signal?.aborted) return resolve();
        const waiter = { until: now + ms, resolve: () => done() };
        const done = () => {
          waiters.delete(waiter);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        waiters.add(waiter);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    advance(ms) {
      now += ms;
      for (const w of [...waiters]) if (w.until <= now) w.resolve();
    },
    get sleepers() {
      return waiters.size;
    },
  };
}
