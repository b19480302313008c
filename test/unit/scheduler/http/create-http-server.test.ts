import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../../../scheduler/http/create-http-server.js';
import { healthRoutes } from '../../../../scheduler/http/health-routes.js';
import { createLiveness } from '../../../../scheduler/liveness.js';
import { createSchedulerMetrics } from '../../../../scheduler/metrics/create-scheduler-metrics.js';
import { createReadiness } from '../../../../scheduler/readiness.js';
import { createManualClock } from '../../../support/manual-clock.js';

const log = pino({ level: 'silent' });
const servers: HttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve() {
  const clock = createManualClock();
  const readiness = createReadiness();
  const liveness = createLiveness(clock, 60_000);
  const metrics = createSchedulerMetrics(clock);
  const server = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    routes: [
      ...healthRoutes({ liveness, readiness, metrics: metrics.registry }),
      { method: 'POST', path: '/webhook', handle: (_q, res) => void res.end('hooked') },
    ],
    log,
  });
  servers.push(server);
  const get = async (path: string, method = 'GET') => {
    const r = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
    return { status: r.status, body: await r.text() };
  };
  return { clock, readiness, liveness, metrics, server, get };
}

it('routes by method and path: 404 for an unknown path, 405 for another method', async () => {
  const { get } = await serve();
  expect(await get('/nope')).toMatchObject({ status: 404 });
  expect(await get('/webhook')).toMatchObject({ status: 405 });
  expect(await get('/webhook', 'POST')).toEqual({ status: 200, body: 'hooked' });
  expect(await get('/healthz?verbose=1')).toMatchObject({ status: 200 });
});

it('/readyz: 503 with one line per reason, 200 once they are cleared', async () => {
  const { get, readiness } = await serve();
  readiness.set('github:acme/webapp', 'the credentials may not read acme/webapp');
  const notReady = await get('/readyz');
  expect(notReady.status).toBe(503);
  expect(notReady.body).toBe(
    'not ready\ngithub:acme/webapp: the credentials may not read acme/webapp\n',
  );
  readiness.clear('github:acme/webapp');
  expect(await get('/readyz')).toEqual({ status: 200, body: 'ready\n' });
});

it('/healthz fails only when the leading loop has not passed for longer than the limit', async () => {
  const { get, liveness, clock } = await serve();
  clock.advance(10 * 60_000);
  expect((await get('/healthz')).status).toBe(200); // standing by: no loop to be stuck in
  liveness.leading(true);
  clock.advance(59_000);
  expect((await get('/healthz')).status).toBe(200);
  clock.advance(2_000);
  const stuck = await get('/healthz');
  expect(stuck.status).toBe(503);
  expect(stuck.body).toMatch(/has not completed a pass for 61 s \(limit 60 s\)/);
  liveness.beat();
  expect((await get('/healthz')).status).toBe(200);
});

it('/metrics: Prometheus text with the quickcd_ names; an in-use port is a clear error', async () => {
  const { get, metrics, server } = await serve();
  metrics.githubRequest(304);
  metrics.githubRequest(200, 4999);
  metrics.kubernetesError('update', 'configmaps');
  const { body } = await get('/metrics');
  expect(body).toContain('quickcd_github_requests_total{status="304"} 1');
  expect(body).toContain('quickcd_github_requests_total{status="200"} 1');
  expect(body).toContain('quickcd_github_rate_limit_remaining 4999');
  expect(body).toContain(
    'quickcd_kubernetes_api_errors_total{verb="update",resource="configmaps"} 1',
  );
  expect(body).toContain('quickcd_retry_backlog 0');
  await expect(
    startHttpServer({ port: server.port, host: '127.0.0.1', routes: [], log }),
  ).rejects.toThrow(
    /port \d+ \(QUICKCD_HTTP_PORT or --http-port\): the port is in use.*or 0 to disable/,
  );
});
