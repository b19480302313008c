import type { Logger } from '../common/logger.js';
import type { Leadership } from './ports/leadership.js';
import type { Liveness } from './liveness.js';
import type { Readiness } from './readiness.js';

export interface LeadOptions {
  readonly repos: readonly string[];
  readonly leadership: Leadership;
  readonly readiness: Readiness;
  readonly log: Logger;
  /** Names of the loaded handlers, for the log. */
  readonly handlers: readonly string[];
  /** Checks access to a repository at start (reporting bad credentials at once), if asked. */
  readonly checkRepo?: ((repo: string, signal: AbortSignal) => Promise<unknown>) | undefined;
  /** Subscribes to change notifications (the store's, the executor's) while leading. */
  readonly subscribe?: (() => () => void) | undefined;
  readonly liveness?: Liveness | undefined;
  /** The work done while leading, until `stop` aborts. */
  readonly work: (stop: AbortSignal) => Promise<void>;
}

/**
 * Leading, from start to shutdown: checks the repositories (ready once checked, leading or
 * standing by), waits for leadership, does the work until `signal` aborts or leadership is
 * lost, then releases leadership.
 */
export async function lead(
  options: LeadOptions,
  signal: AbortSignal,
): Promise<'stopped' | 'leadership lost'> {
  const { repos, leadership, readiness, log } = options;
  const stopped = () => {
    log.info({ reason: 'stopped' }, 'scheduler stopped');
    return 'stopped' as const;
  };
  readiness.set('scheduler', 'starting: checking access to the repositories');
  if (options.checkRepo) {
    for (const repo of repos) {
      if (signal.aborted) break;
      await options.checkRepo(repo, signal);
    }
    if (signal.aborted) return stopped();
  }
  readiness.clear('scheduler');
  log.info({ repos }, 'waiting for leadership');
  let lost: AbortSignal;
  try {
    lost = await leadership.acquire(signal);
  } catch (error) {
    // Stopped while standing by: a clean stop, not a failure.
    if (signal.aborted) return stopped();
    throw error;
  }
  log.info({ repos, handlers: options.handlers }, 'leading: polling');
  const unsubscribe = options.subscribe?.();
  options.liveness?.leading(true);
  try {
    await options.work(AbortSignal.any([signal, lost]));
  } finally {
    options.liveness?.leading(false);
    unsubscribe?.();
    // Runs go on: a restarted scheduler observes them. No bookkeeping outlives a pass.
    await leadership.release().catch((error: unknown) => {
      log.warn({ err: error }, 'releasing leadership failed');
    });
  }
  const reason = lost.aborted && !signal.aborted ? 'leadership lost' : 'stopped';
  log.info({ reason }, 'scheduler stopped');
  return reason;
}
