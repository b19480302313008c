import type { ServerState } from './state.js';

/** Starts a new hour-long window when the current one has ended. */
function refresh(state: ServerState): void {
  const now = Math.floor(Date.now() / 1000);
  if (now >= state.rate.reset) {
    state.rate.remaining = state.rate.limit;
    state.rate.reset = now + 3600;
  }
}

/** Counts one request against the core limit (floored at 0; the limit is not enforced). */
export function consumeRateLimit(state: ServerState): void {
  refresh(state);
  state.rate.remaining = Math.max(0, state.rate.remaining - 1);
}

/** The core rate limit as `GET /rate_limit` reports it. */
export function coreRate(state: ServerState): {
  limit: number;
  used: number;
  remaining: number;
  reset: number;
  resource: 'core';
} {
  refresh(state);
  const { limit, remaining, reset } = state.rate;
  return { limit, used: limit - remaining, remaining, reset, resource: 'core' };
}

/** `X-RateLimit-*` headers for the current window. */
export function rateLimitHeaders(state: ServerState): Record<string, string> {
  const { limit, used, remaining, reset } = coreRate(state);
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(reset),
    'x-ratelimit-used': String(used),
    'x-ratelimit-resource': 'core',
  };
}
