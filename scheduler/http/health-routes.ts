import type { Registry } from 'prom-client';
import type { Liveness } from '../liveness.js';
import type { Readiness } from '../readiness.js';
import type { Route } from './create-http-server.js';

/**
 * `/healthz` (the loop is alive), `/readyz` (nothing is wrong: 503 with one `key: reason` line
 * per problem otherwise) and `/metrics` (Prometheus text format).
 */
export function healthRoutes(deps: {
  readonly liveness: Liveness;
  readonly readiness: Readiness;
  readonly metrics: Registry;
}): Route[] {
  return [
    {
      method: 'GET',
      path: '/healthz',
      handle(_req, res) {
        const s = deps.liveness.snapshot();
        res.statusCode = s.alive ? 200 : 503;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end(s.alive ? 'ok\n' : `not alive: ${s.reason ?? 'unknown'}\n`);
      },
    },
    {
      method: 'GET',
      path: '/readyz',
      handle(_req, res) {
        const s = deps.readiness.snapshot();
        res.statusCode = s.ready ? 200 : 503;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        const lines = Object.entries(s.reasons).map(([key, reason]) => `${key}: ${reason}\n`);
        res.end(s.ready ? 'ready\n' : `not ready\n${lines.join('')}`);
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      async handle(_req, res) {
        const text = await deps.metrics.metrics();
        res.statusCode = 200;
        res.setHeader('content-type', deps.metrics.contentType);
        res.end(text);
      },
    },
  ];
}
