import type { Logger } from '../common/logger.js';

const PRUNE_EVERY_MS = 60 * 60_000;

export interface Housekeeping {
  /** Prunes when due (at start, then hourly); a failure is logged, never thrown. */
  runIfDue(now: number): Promise<void>;
  /** When it is next due (epoch ms); Infinity without a prune. */
  nextDueAt(): number;
}

/** The scheduler's housekeeping: retention (`prune`), run at start and then hourly. */
export function createHousekeeping(
  prune: (() => Promise<unknown>) | undefined,
  log: Logger,
): Housekeeping {
  let nextAt = prune ? 0 : Infinity;
  return {
    async runIfDue(now) {
      if (!prune || now < nextAt) return;
      nextAt = now + PRUNE_EVERY_MS;
      await prune().catch((error: unknown) => {
        log.warn({ err: error }, 'pruning old events failed');
      });
    },
    nextDueAt: () => nextAt,
  };
}
