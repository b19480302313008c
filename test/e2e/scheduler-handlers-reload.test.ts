import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/fixtures.js';
import { freePort } from '../support/free-port.js';
import { startSchedulerProcess, type SchedulerProcess } from '../support/scheduler-process.js';

/**
 * The real scheduler process follows its handlers file: a change is loaded, validated and used
 * for new runs; a file that fails to load is reported (log, metric, readiness) and the
 * previous handlers stay in use.
 */
const handlers = (version: string) => `import { appendFileSync } from 'node:fs';
import { on } from 'quickcd';
on('PushEvent', async (_p, ctx) => {
  appendFileSync(process.env.E2E_DIR + '/runs.txt', ctx.event.id + ' ${version}\\n');
}, { name: 'deploy' });
`;
const REPO = 'acme/webapp';
let github: GitHubTestServer;
let dir: string;
let p: SchedulerProcess | undefined;

beforeEach(async () => {
  github = await startGitHubServer({ pollInterval: 1 });
  dir = tempDir('quickcd-reload-');
});
afterEach(async () => {
  await p?.stop('SIGKILL');
  await github.close();
});

const push = () =>
  github.addEvent(REPO, {
    type: 'PushEvent',
    payload: {
      repository_id: 1,
      push_id: 2,
      ref: 'refs/heads/main',
      head: 'a'.repeat(40),
      before: '0'.repeat(40),
    },
  });
const runs = () => {
  try {
    return readFileSync(join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('quickcd scheduler follows its handlers file', { timeout: 90_000 }, () => {
  it('reloads a changed file for new runs; a broken one is reported and the previous stays', async () => {
    const file = join(dir, 'handlers.ts');
    writeFileSync(file, handlers('v1'));
    const port = await freePort();
    p = startSchedulerProcess(
      [
        '--store',
        'file',
        '--state-dir',
        join(dir, 'state'),
        '--executor',
        'local',
        '--handlers',
        file,
      ],
      {
        E2E_DIR: dir,
        QUICKCD_GITHUB_URL: github.url,
        QUICKCD_GITHUB_TOKEN: github.token,
        QUICKCD_REPO: REPO,
        QUICKCD_POLL_INTERVAL: '1',
        QUICKCD_COMMENT_INTERVAL: '0',
        QUICKCD_HANDLERS_CHECK_INTERVAL: '1',
        QUICKCD_HTTP_PORT: String(port),
      },
    );
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: r.status, body: await r.text() };
    };
    await p.waitForLog('polled');
    const a = push();
    await eventually(() => runs().includes(`${a.id} v1`), 'a ran with v1');

    writeFileSync(file, handlers('v2'));
    await p.waitForLog('handlers file changed: reloaded; new runs use it');
    const b = push();
    await eventually(() => runs().includes(`${b.id} v2`), 'b ran with v2', 30_000);

    writeFileSync(file, `${handlers('v3')}\nthis is not TypeScript(\n`);
    await p.waitForLog(
      'handlers file changed but failed to load: the previous handlers stay in use',
    );
    const ready = await get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(
      /^handlers: the changed handlers file .*handlers\.ts failed to load \(the previous handlers stay in use\)/m,
    );
    const metrics = (await get('/metrics')).body;
    expect(metrics).toContain('quickcd_handlers_reloads_total{result="ok"} 1');
    expect(metrics).toContain('quickcd_handlers_reloads_total{result="failed"} 1');
    expect(metrics).toContain('quickcd_handlers_reload_failing 1');
    const c = push();
    await eventually(() => runs().includes(`${c.id} v2`), 'c ran with v2, the previous', 30_000);

    writeFileSync(file, handlers('v4'));
    await eventually(async () => (await get('/readyz')).status === 200, 'ready again');
    expect((await get('/metrics')).body).toContain('quickcd_handlers_reload_failing 0');
    expect(runs()).toEqual([`${a.id} v1`, `${b.id} v2`, `${c.id} v2`]);
  });
});
