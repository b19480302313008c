import type { Logger } from '../../common/logger.js';
import { errorMessage } from '../../common/errors.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { apiStatusCode } from './kubernetes-api-error.js';

/** How often, and how long apart, a call that met a passing failure is tried again. */
export interface TransientRetry {
  readonly clock?: Clock;
  /** Tries in all (default 8: about 30 s of waiting). */
  readonly attempts?: number;
  /** First pause; doubled each time, at most 8 s (default 250 ms). */
  readonly firstDelayMs?: number;
}

/**
 * Whether an API server may answer differently soon: no answer at all (a dropped connection),
 * a 5xx, 429 Too Many Requests or 408. A 4xx otherwise (RBAC, validation) will not change.
 */
export function isTransientKubernetesError(error: unknown): boolean {
  const status = apiStatusCode(error);
  return status === undefined || status >= 500 || status === 429 || status === 408;
}

/**
 * Runs `call`, trying again with a doubling pause while it fails with a transient error (see
 * {@link isTransientKubernetesError}); the last error, or any other, is thrown. For what the
 * scheduler does once at start-up (publishing its handlers), where one throttled request
 * would otherwise end the process and put the Pod into a crash loop.
 */
export async function retryTransient<T>(
  what: string,
  call: () => Promise<T>,
  log: Logger,
  options: TransientRetry = {},
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const attempts = options.attempts ?? 8;
  let delay = options.firstDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isTransientKubernetesError(error)) throw error;
      log.warn(
        { attempt, retryInMs: delay, err: error },
        `${what} failed (${errorMessage(error)}); trying again`,
      );
      await clock.sleep(delay);
      delay = Math.min(delay * 2, 8000);
    }
  }
}
