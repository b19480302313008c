import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { startSchedulerProcess, type SchedulerProcess } from '../support/scheduler-process.js';

/**
 * What the local executor runs: the bundled handlers (a multi-file handlers file with a
 * package next to it), and runs that always end — whatever the handler left behind — with a
 * reason that shows the runner's last words when it died without a result.
 */
const HANDLERS = `
import { existsSync, writeFileSync } from 'node:fs';
import { on } from 'quickcd';
import { deploy } from './lib/deploy.js';
import { shout } from 'shout';

const dir = process.env.E2E_DIR;

on('PushEvent', async (payload, ctx) => {
  const how = payload.ref.replace('refs/heads/', '');
  if (how === 'mess') {
    setInterval(() => {}, 1000);
    await ctx.sh\`sleep 1000 & echo $! > \${dir}/bg.pid\`;
    throw new Error('left a mess');
  }
  if (how === 'die') {
    console.log('last words before exit');
    process.exit(3);
  }
  writeFileSync(dir + '/deployed-' + ctx.event.id, shout(deploy(ctx.event.id)));
}, { name: 'deploy', blocking: false });
`;

const REPO = 'acme/webapp';
const SHA = 'c0ffee'.padEnd(40, '0');

let github: GitHubTestServer;
let dir: string;
let stateDir: string;
let env: Record<string, string>;
const processes: SchedulerProcess[] = [];

beforeEach(async () => {
  github = await startGitHubServer({ pollInterval: 1 });
  dir = tempDir('quickcd-e2e-');
  stateDir = join(dir, 'state');
  mkdirSync(join(dir, 'lib'));
  mkdirSync(join(dir, 'node_modules/shout'), { recursive: true });
  writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
  writeFileSync(
    join(dir, 'lib/deploy.ts'),
    `export function deploy(id: string): string {\n  return 'deployed ' + id;\n}\n`,
  );
  writeFileSync(
    join(dir, 'node_modules/shout/package.json'),
    JSON.stringify({ name: 'shout', version: '1.0.0', type: 'module', exports: './index.js' }),
  );
  writeFileSync(
    join(dir, 'node_modules/shout/index.js'),
    `export const shout = (s) => s.toUpperCase() + '!';\n`,
  );
  env = {
    E2E_DIR: dir,
    QUICKCD_GITHUB_URL: github.url,
    QUICKCD_GITHUB_TOKEN: github.token,
    QUICKCD_REPO: REPO,
    QUICKCD_POLL_INTERVAL: '1',
    QUICKCD_RETRY_BASE_SECONDS: '600',
    QUICKCD_COMMENT_INTERVAL: '0',
    QUICKCD_CLUSTER_ID: 'test/local/e2e',
  };
});

afterEach(async () => {
  for (const p of processes.splice(0)) await p.stop('SIGKILL');
  await github.close();
});

function start(): SchedulerProcess {
  const p = startSchedulerProcess(
    [
      ...['--store', 'file', '--state-dir', stateDir, '--executor', 'local'],
      ...['--handlers', join(dir, 'handlers.ts')],
    ],
    env,
  );
  processes.push(p);
  return p;
}

const push = (branch: string) =>
  github.addEvent(REPO, {
    type: 'PushEvent',
    payload: {
      repository_id: 1,
      push_id: 2,
      ref: `refs/heads/${branch}`,
      head: SHA,
      before: '0'.repeat(40),
    },
  });

interface Listed {
  id: string;
  status: string;
  lanes: { nonblocking?: { lastError?: string } };
}
async function stored(id: string): Promise<Listed | undefined> {
  const { stdout } = await runCli(
    ['events', '--store', 'file', '--state-dir', stateDir, '--json'],
    { env },
  );
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Listed)
    .find((e) => e.id === id);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('embedded scheduler runs', { timeout: 120_000 }, () => {
  it('runs the bundled multi-file handlers, ends every run, and shows a dead runner’s last words', async () => {
    const scheduler = start();
    await scheduler.waitForLog('polled');
    const ok = push('main');
    const mess = push('mess');
    const die = push('die');

    await eventually(async () => (await stored(ok.id))?.status === 'handled', 'ok handled', 60_000);
    expect(readFileSync(join(dir, `deployed-${ok.id}`), 'utf8')).toBe(`DEPLOYED ${ok.id}!`);
    // What ran is one self-contained bundle in the state directory, not the source file.
    const bundles = readdirSync(join(stateDir, 'handlers'));
    expect(bundles).toHaveLength(1);
    expect(bundles[0]).toMatch(/^handlers-[0-9a-f]+\.mjs$/);

    // A handler that leaves a timer and a background command behind still ends its run.
    const failed = await eventually(
      async () => {
        const e = await stored(mess.id);
        return e?.status === 'failed' ? e : undefined;
      },
      'the messy run ended failed',
      60_000,
    );
    expect(failed.lanes.nonblocking?.lastError).toContain('left a mess');
    const bg = Number(readFileSync(join(dir, 'bg.pid'), 'utf8'));
    await eventually(() => !alive(bg), 'the background command killed', 10_000);

    const dead = await eventually(
      async () => {
        const e = await stored(die.id);
        return e?.status === 'failed' ? e : undefined;
      },
      'the dying run ended failed',
      60_000,
    );
    expect(dead.lanes.nonblocking?.lastError).toMatch(/exited with status 3/);
    expect(dead.lanes.nonblocking?.lastError).toContain('last words before exit');
    expect(existsSync(join(dir, `deployed-${die.id}`))).toBe(false);
    // One log line per launch: the dispatcher's `launched`, nothing else at info about it.
    for (const e of [ok, mess, die]) {
      const launchLines = scheduler.logs.filter(
        (l) => l.eventId === e.id && Number(l.level) >= 30 && /launch/i.test(String(l.msg)),
      );
      expect(launchLines.map((l) => l.msg)).toEqual(['launched']);
    }
    await scheduler.stop();
  });
});
