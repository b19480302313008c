import type { Clock } from '../common/clock.js';

/**
 * Whether the scheduler loop is alive (`/healthz`): while it leads, each completed pass beats;
 * no beat for `maxSilenceMs` means it is stuck and the Pod should be restarted. A replica
 * standing by (or not started yet) has no loop to be stuck in: it is alive.
 */
export interface Liveness {
  /** The loop completed a pass. */
  beat(): void;
  /** The loop runs from now (true) or has ended (false). */
  leading(on: boolean): void;
  snapshot(): LivenessSnapshot;
}

export interface LivenessSnapshot {
  readonly alive: boolean;
  /** Why not alive, when not. */
  readonly reason?: string;
  /** ISO time of the last completed pass, if any. */
  readonly lastPassAt?: string;
}

export function createLiveness(clock: Clock, maxSilenceMs: number): Liveness {
  let leading = false;
  let last: number | undefined;
  return {
    beat: () => void (last = clock.now().getTime()),
    leading(on) {
      leading = on;
      // Leading starts the count: the first pass has maxSilenceMs to complete.
      if (on) last = clock.now().getTime();
    },
    snapshot() {
      const lastPassAt = last === undefined ? undefined : new Date(last).toISOString();
      if (!leading || last === undefined)
        return { alive: true, ...(lastPassAt ? { lastPassAt } : {}) };
      const silent = clock.now().getTime() - last;
      if (silent <= maxSilenceMs) return { alive: true, ...(lastPassAt ? { lastPassAt } : {}) };
      return {
        alive: false,
        reason: `the scheduler loop has not completed a pass for ${Math.round(silent / 1000)} s (limit ${Math.round(maxSilenceMs / 1000)} s)`,
        ...(lastPassAt ? { lastPassAt } : {}),
      };
    },
  };
}
