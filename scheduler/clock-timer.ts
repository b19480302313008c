import type { Clock } from '../common/clock.js';

/**
 * Calls `fn` once `ms` have passed on `clock` (a timer that a manual clock drives in tests).
 * Returns the function that cancels it.
 */
export function clockTimer(clock: Clock, ms: number, fn: () => void): () => void {
  const cancel = new AbortController();
  void clock.sleep(ms, cancel.signal).then(() => {
    if (!cancel.signal.aborted) fn();
  });
  return () => cancel.abort();
}
