import { describe, expect, it } from 'vitest';
import { isRetryableWriteError, retryDelayMs } from '../../../runner/github-write-retry.js';

describe('reporter write retries', () => {
  it('retries server errors, rate limits and network errors, not other client errors', () => {
    expect(isRetryableWriteError({ status: 502 })).toBe(true);
    expect(isRetryableWriteError({ status: 403 })).toBe(true);
    expect(isRetryableWriteError({ status: 429 })).toBe(true);
    expect(isRetryableWriteError(new Error('socket hang up'))).toBe(true);
    expect(isRetryableWriteError({ status: 422 })).toBe(false);
    expect(isRetryableWriteError({ status: 404 })).toBe(false);
  });

  it('doubles the delay and honours Retry-After', () => {
    const retry = { attempts: 4, delayMs: 100 };
    expect(retryDelayMs({ status: 502 }, 1, retry)).toBe(100);
    expect(retryDelayMs({ status: 502 }, 3, retry)).toBe(400);
    const limited = { status: 403, response: { headers: { 'retry-after': '2' } } };
    expect(retryDelayMs(limited, 1, retry)).toBe(2000);
  });
});
