import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startSchedulerProcess, type SchedulerProcess } from '../support/scheduler-process.js';

/**
 * The real scheduler process (file store, local executor) serving /healthz, /readyz and
 * /metrics on QUICKCD_HTTP_PORT, scraped over HTTP while it polls the GitHub API test server
 * and runs handlers.
 */
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (p) => {
  if (p.ref === 'refs/heads/fail') throw new Error('deploy broke');
}, { name: 'deploy' });
`;
const REPO = 'acme/webapp';
let github: GitHubTestServer;
let dir: string;
const processes: SchedulerProcess[] = [];

beforeEach(async () => {
  github = await startGitHubServer({ pollInterval: 1 });
  dir = tempDir('quickcd-http-');
  writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
});
afterEach(async () => {
  for (const p of processes.splice(0)) await p.stop('SIGKILL');
  await github.close();
});

async function start(env: Record<string, string> = {}) {
  const port = await freePort();
  const p = startSchedulerProcess(
    ['--store', 'file', '--state-dir', join(dir, 'state'), '--executor', 'local'],
    {
      QUICKCD_HANDLERS: join(dir, 'handlers.ts'),
      QUICKCD_GITHUB_URL: github.url,
      QUICKCD_GITHUB_TOKEN: github.token,
      QUICKCD_REPO: REPO,
      QUICKCD_POLL_INTERVAL: '1',
      QUICKCD_RETRY_BASE_SECONDS: '100',
      QUICKCD_COMMENT_INTERVAL: '0',
      QUICKCD_HTTP_PORT: String(port),
      ...env,
    },
  );
  processes.push(p);
  await p.waitForLog('serving HTTP', { port });
  const get = async (path: string) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: r.status, body: await r.text() };
  };
  return { p, get };
}

/** The value of one sample of the Prometheus text `body`, or undefined. */
function sample(
  body: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of body.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

const push = (ref = 'refs/heads/main') =>
  github.addEvent(REPO, {
    type: 'PushEvent',
    payload: { repository_id: 1, push_id: 2, ref, head: 'a'.repeat(40), before: '0'.repeat(40) },
  });

describe('quickcd scheduler over HTTP', { timeout: 60_000 }, () => {
  it('is alive and ready; /metrics counts polls, events, runs, holds and GitHub requests', async () => {
    const { p, get } = await start();
    await p.waitForLog('polled');
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ready\n' });
    const ok = push();
    const bad = push('refs/heads/fail');
    push(); // held behind the failed one
    await p.waitForLog('lane handled', { eventId: ok.id });
    await p.waitForLog(
      'lane failed: it holds the repository until a retry succeeds or the event is skipped',
      { eventId: bad.id },
    );
    const body = await eventually(async () => {
      const { body } = await get('/metrics');
      // Held, and polled once more since (an idle poll: a 304).
      const idlePolled =
        (sample(body, 'quickcd_github_requests_total', { status: '304' }) ?? 0) > 0;
      return sample(body, 'quickcd_lanes_held', { repo: REPO }) === 1 && idlePolled
        ? body
        : undefined;
    }, 'the lane is held and an idle poll answered 304');
    expect(sample(body, 'quickcd_events_polled_total', { repo: REPO })).toBe(3);
    expect(sample(body, 'quickcd_events_stored_total', { repo: REPO })).toBe(3);
    expect(sample(body, 'quickcd_events_dispatched_total', { repo: REPO, lane: 'blocking' })).toBe(
      2,
    );
    expect(
      sample(body, 'quickcd_handler_runs_total', {
        repo: REPO,
        lane: 'blocking',
        result: 'succeeded',
      }),
    ).toBe(1);
    expect(
      sample(body, 'quickcd_handler_runs_total', {
        repo: REPO,
        lane: 'blocking',
        result: 'failed',
      }),
    ).toBe(1);
    expect(
      sample(body, 'quickcd_run_duration_seconds_count', {
        repo: REPO,
        lane: 'blocking',
        result: 'failed',
      }),
    ).toBe(1);
    expect(
      sample(body, 'quickcd_event_start_delay_seconds_count', { repo: REPO, lane: 'blocking' }),
    ).toBe(2);
    expect(sample(body, 'quickcd_retry_backlog')).toBe(1);
    expect(sample(body, 'quickcd_retries_scheduled_total', { repo: REPO, lane: 'blocking' })).toBe(
      1,
    );
    expect(sample(body, 'quickcd_github_requests_total', { status: '200' })).toBeGreaterThan(0);
    // Idle polls answer 304 (nothing new): counted apart.
    expect(sample(body, 'quickcd_github_requests_total', { status: '304' })).toBeGreaterThan(0);
    expect(sample(body, 'quickcd_github_rate_limit_remaining')).toBeGreaterThan(0);
    expect(sample(body, 'quickcd_poll_duration_seconds_count', { repo: REPO })).toBeGreaterThan(1);
    expect(sample(body, 'quickcd_poll_errors_total', { repo: REPO })).toBeUndefined();
    // Labels are repo, lane, result, status: never an event id.
    expect(body).not.toContain(ok.id);
  });

  it('is not ready with the reason when the credentials cannot read the repository', async () => {
    const { p, get } = await start({ QUICKCD_GITHUB_TOKEN: 'wrong-token' });
    await p.waitForLog('waiting for leadership');
    const r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toMatch(new RegExp(`^not ready\\ngithub:${REPO}: .+`));
    expect(r.body).not.toContain('wrong-token');
    // Alive all the same: a restart would not fix credentials.
    expect((await get('/healthz')).status).toBe(200);
  });
});
