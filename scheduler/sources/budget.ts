import type { Logger } from '../../common/logger.js';

export interface BudgetOptions {
  /** `QUICKCD_FAST_POLL_INTERVAL`, seconds (> 0). */
  readonly intervalSeconds: number;
  /** `QUICKCD_FAST_POLL_BUDGET`: watcher requests a minute per token (GitHub allows 900). */
  readonly perMinute: number;
  /** Primary-limit requests kept for everything else (handlers, comments, the Events API). */
  readonly reserveFraction?: number;
  readonly now: () => number;
  readonly log: Logger;
}

export interface BudgetSnapshot {
  readonly intervalSeconds: number;
  readonly requests: Readonly<Record<'ok' | 'not_modified' | 'error', number>>;
}

export interface Budget {
  /** Records one answered request (status and headers) or a rate-limit failure. */
  record(status: number, headers: Readonly<Record<string, string | number | undefined>>): void;
  /** Milliseconds the watchers must wait (Retry-After, primary limit reset), 0 when free. */
  waitMs(): number;
  /** Whether one more cycle of `requests` fits into the last minute's budget. */
  allows(requests: number): boolean;
  /** The fast interval for `repos` repositories costing `perCycle` requests each, seconds. */
  intervalSeconds(repos: number, perCycle: number): number;
  /** The effective interval and the requests sent so far by result, for `/metrics`. */
  snapshot(): BudgetSnapshot;
}

/**
 * The watchers' request budget per token (issue 14, item 6): at most `perMinute` requests a
 * minute (far below GitHub's 900-point secondary limit), so with many repositories the fast
 * interval stretches (logged, and exported as `quickcd_fast_poll_interval_seconds`) rather
 * than a limit being hit. 304s cost no primary limit; 200s (changes) do, and when the
 * remaining primary limit falls under the reserve the watchers wait for `X-RateLimit-Reset`
 * (the Events API poller goes on: it is the record). `Retry-After` is obeyed.
 */
const PLANNED = 0.8;

export function createBudget(options: BudgetOptions): Budget {
  const { now, log } = options;
  const reserve = options.reserveFraction ?? 0.2;
  const sent: number[] = [];
  let pausedUntil = 0;
  let effective = options.intervalSeconds;
  const counts = new Map<string, number>();
  const trim = () => {
    const since = now() - 60_000;
    while (sent.length > 0 && (sent[0] ?? 0) < since) sent.shift();
  };
  const num = (v: string | number | undefined) => (v === undefined ? NaN : Number(v));

  return {
    record(status, headers) {
      sent.push(now());
      trim();
      const kind = status === 304 ? 'not_modified' : status < 400 ? 'ok' : 'error';
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
      const retryAfter = num(headers['retry-after']);
      const remaining = num(headers['x-ratelimit-remaining']);
      const limit = num(headers['x-ratelimit-limit']);
      const reset = num(headers['x-ratelimit-reset']);
      let until = 0;
      if (Number.isFinite(retryAfter) && retryAfter > 0) until = now() + retryAfter * 1000;
      if (Number.isFinite(remaining) && Number.isFinite(reset)) {
        const low = Number.isFinite(limit) ? remaining <= limit * reserve : remaining <= 0;
        if (low) until = Math.max(until, reset * 1000);
      }
      if (until > pausedUntil) {
        pausedUntil = until;
        log.warn(
          { until: new Date(until).toISOString(), remaining, retryAfter },
          'fast sources wait for the GitHub rate limit (the Events API poller goes on)',
        );
      }
    },
    waitMs() {
      return Math.max(0, pausedUntil - now());
    },
    allows(requests) {
      trim();
      return sent.length + requests <= options.perMinute;
    },
    intervalSeconds(repos, perCycle) {
      // Planned at 80% of the budget: the rest absorbs baselines, pages and issue reads.
      const needed = (repos * perCycle * 60) / (options.perMinute * PLANNED);
      const next = Math.max(options.intervalSeconds, Math.ceil(needed));
      if (next !== effective) {
        log.info(
          {
            repos,
            requestsPerCycle: perCycle,
            budgetPerMinute: options.perMinute,
            intervalSeconds: next,
            configuredSeconds: options.intervalSeconds,
          },
          next > options.intervalSeconds
            ? 'fast poll interval stretched to stay within the request budget'
            : 'fast poll interval back to the configured one',
        );
        effective = next;
      }
      return effective;
    },
    snapshot() {
      return {
        intervalSeconds: effective,
        requests: {
          ok: counts.get('ok') ?? 0,
          not_modified: counts.get('not_modified') ?? 0,
          error: counts.get('error') ?? 0,
        },
      };
    },
  };
}
