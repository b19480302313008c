import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../../common/clock.js';
import type { SchedulerObserver } from '../scheduler-observer.js';

/**
 * The scheduler's Prometheus metrics (`/metrics`): `quickcd_` prefix, `_total` counters,
 * `_seconds` histograms, labels `repo`, `lane`, `result` (never an event id: unbounded).
 */
export interface SchedulerMetrics {
  readonly registry: Registry;
  /** Fed by the loop and the dispatcher. */
  readonly observer: SchedulerObserver;
  /** One GitHub API response (or failure: status 0 for no response); 304s have their own label value. */
  readonly githubRequest: (status: number, rateLimitRemaining?: number) => void;
  /** A failed Kubernetes API call. */
  readonly kubernetesError: (verb: string, resource: string) => void;
  /** A reload of the handlers file: `ok` or `failed`. */
  readonly handlersReload: (result: 'ok' | 'failed') => void;
}

const RUN_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200];
const DELAY_BUCKETS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const HOLD_BUCKETS = [10, 60, 300, 900, 1800, 3600, 7200, 21_600, 86_400];

export function createSchedulerMetrics(clock: Clock): SchedulerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'quickcd_' });
  const registers = [registry];
  const polled = new Counter({
    name: 'quickcd_events_polled_total',
    help: 'Events fetched from the GitHub Events API',
    labelNames: ['repo'],
    registers,
  });
  const stored = new Counter({
    name: 'quickcd_events_stored_total',
    help: 'New events stored because some handler wants them',
    labelNames: ['repo'],
    registers,
  });
  const dispatched = new Counter({
    name: 'quickcd_events_dispatched_total',
    help: 'Runners launched for an event lane (retries included, adoptions not)',
    labelNames: ['repo', 'lane'],
    registers,
  });
  const runs = new Counter({
    name: 'quickcd_handler_runs_total',
    help: 'Runs of a lane of handlers whose outcome was recorded, by result (succeeded, failed)',
    labelNames: ['repo', 'lane', 'result'],
    registers,
  });
  const runDuration = new Histogram({
    name: 'quickcd_run_duration_seconds',
    help: 'From launch to recorded outcome of a run',
    labelNames: ['repo', 'lane', 'result'],
    buckets: RUN_BUCKETS,
    registers,
  });
  const startDelay = new Histogram({
    name: 'quickcd_event_start_delay_seconds',
    help: "From an event's creation at GitHub to the launch of its handlers (first attempt)",
    labelNames: ['repo', 'lane'],
    buckets: DELAY_BUCKETS,
    registers,
  });
  const held = new Gauge({
    name: 'quickcd_lanes_held',
    help: 'Blocking lanes held by a failed event (1 per held repository)',
    labelNames: ['repo'],
    registers,
  });
  const holdDuration = new Histogram({
    name: 'quickcd_lane_held_seconds',
    help: 'How long a blocking lane was held, observed when it is released',
    labelNames: ['repo'],
    buckets: HOLD_BUCKETS,
    registers,
  });
  const backlog = new Gauge({
    name: 'quickcd_retry_backlog',
    help: 'Failed lanes waiting for their retry',
    registers,
  });
  const retries = new Counter({
    name: 'quickcd_retries_scheduled_total',
    help: 'Failed runs given a retry time',
    labelNames: ['repo', 'lane'],
    registers,
  });
  const githubRequests = new Counter({
    name: 'quickcd_github_requests_total',
    help: 'GitHub API responses by HTTP status (304: nothing new, free of rate limit; 0: no response)',
    labelNames: ['status'],
    registers,
  });
  const rateLimit = new Gauge({
    name: 'quickcd_github_rate_limit_remaining',
    help: 'x-ratelimit-remaining of the last GitHub response that had it',
    registers,
  });
  const pollDuration = new Histogram({
    name: 'quickcd_poll_duration_seconds',
    help: 'One poll of a repository',
    labelNames: ['repo'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  });
  const pollErrors = new Counter({
    name: 'quickcd_poll_errors_total',
    help: 'Polls of a repository that failed',
    labelNames: ['repo'],
    registers,
  });
  const kubeErrors = new Counter({
    name: 'quickcd_kubernetes_api_errors_total',
    help: 'Failed Kubernetes API calls by verb and resource',
    labelNames: ['verb', 'resource'],
    registers,
  });
  const reloads = new Counter({
    name: 'quickcd_handlers_reloads_total',
    help: 'Reloads of a changed handlers file, by result (ok, failed)',
    labelNames: ['result'],
    registers,
  });
  const reloadFailing = new Gauge({
    name: 'quickcd_handlers_reload_failing',
    help: '1 while the changed handlers file fails to load (the previous handlers stay in use)',
    registers,
  });
  reloadFailing.set(0);
  backlog.set(0);

  /** repo → when its hold was first reported (ms). */
  const holds = new Map<string, number>();
  const release = (repo: string) => {
    const since = holds.get(repo);
    if (since === undefined) return;
    holds.delete(repo);
    held.set({ repo }, 0);
    holdDuration.observe({ repo }, (clock.now().getTime() - since) / 1000);
  };

  return {
    registry,
    observer: {
      polled(p) {
        polled.inc({ repo: p.repo }, p.fetched);
        stored.inc({ repo: p.repo }, p.stored);
        pollDuration.observe({ repo: p.repo }, p.seconds);
        if (p.error !== undefined) pollErrors.inc({ repo: p.repo });
      },
      dispatched: (p) => backlog.set(p.retryBacklog),
      launched({ event, lane, attempt, adopted }) {
        if (lane === 'blocking') release(event.repo);
        if (adopted) return;
        dispatched.inc({ repo: event.repo, lane });
        const created = Date.parse(event.event.created_at);
        if (attempt === 1 && Number.isFinite(created)) {
          const delay = Math.max(0, (clock.now().getTime() - created) / 1000);
          startDelay.observe({ repo: event.repo, lane }, delay);
        }
      },
      outcomeRecorded({ event, lane, ok, seconds }) {
        const result = ok ? 'succeeded' : 'failed';
        runs.inc({ repo: event.repo, lane, result });
        runDuration.observe({ repo: event.repo, lane, result }, seconds);
      },
      retryScheduled: ({ event, lane }) => retries.inc({ repo: event.repo, lane }),
      laneHeld({ event }) {
        if (holds.has(event.repo)) return;
        holds.set(event.repo, clock.now().getTime());
        held.set({ repo: event.repo }, 1);
      },
      skipped: ({ repo }) => release(repo),
    },
    githubRequest: (status, remaining) => {
      githubRequests.inc({ status: String(status) });
      if (remaining !== undefined && Number.isFinite(remaining)) rateLimit.set(remaining);
    },
    kubernetesError: (verb, resource) => kubeErrors.inc({ verb, resource }),
    handlersReload: (result) => {
      reloads.inc({ result });
      reloadFailing.set(result === 'failed' ? 1 : 0);
    },
  };
}
