/** How a failed GitHub write is retried by the reporter (after Octokit's own retries). */
export interface WriteRetry {
  /** Attempts of one write before it is given up (until the next change). Default 4. */
  readonly attempts: number;
  /** First backoff delay; doubled per attempt, never shorter than `Retry-After`. Default 2 s. */
  readonly delayMs: number;
}

export const defaultWriteRetry: WriteRetry = { attempts: 4, delayMs: 2000 };

interface HttpFailure {
  readonly status?: unknown;
  readonly response?: { readonly headers?: Readonly<Record<string, unknown>> };
}

/**
 * Server errors, network errors and rate limits are worth another try; other client errors
 * (404: the commit is gone, 422: GitHub refused the body) are not.
 */
export function isRetryableWriteError(error: unknown): boolean {
  const status = (error as HttpFailure | null)?.status;
  if (typeof status !== 'number') return true;
  return status >= 500 || status === 403 || status === 429 || status === 408;
}

/** Backoff before attempt `attempt + 1`: doubling from `delayMs`, at least `Retry-After`. */
export function retryDelayMs(error: unknown, attempt: number, retry: WriteRetry): number {
  const header = (error as HttpFailure | null)?.response?.headers?.['retry-after'];
  const retryAfter = Number(header);
  const backoff = retry.delayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(Math.max(backoff, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0), 600_000);
}
