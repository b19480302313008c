import { Counter, Gauge, type Registry } from 'prom-client';
import type { Budget } from '../sources/budget.js';

/**
 * The fast sources' figures on `/metrics`, read from their request budget at each scrape:
 * `quickcd_fast_poll_interval_seconds` (stretched with many repositories) and
 * `quickcd_fast_poll_requests_total{result}` (ok, not_modified, error).
 */
export function registerFastSourceMetrics(registry: Registry, budget: Budget): void {
  const registers = [registry];
  new Gauge({
    name: 'quickcd_fast_poll_interval_seconds',
    help: 'Effective interval of the fast sources (stretched to stay within the request budget)',
    registers,
    collect() {
      this.set(budget.snapshot().intervalSeconds);
    },
  });
  const requests = new Counter({
    name: 'quickcd_fast_poll_requests_total',
    help: 'Requests of the fast sources (refs, pull requests, comments), by result',
    labelNames: ['result'],
    registers,
    collect() {
      const snapshot = budget.snapshot().requests;
      requests.reset();
      for (const [result, count] of Object.entries(snapshot)) requests.inc({ result }, count);
    },
  });
}
