import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { eventually } from '../support/eventually.js';
import { issueCommentPayload, tempDir } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';
import { startSchedulerProcess, type SchedulerProcess } from '../support/scheduler-process.js';

/**
 * The real scheduler process, file store and local executor, against the GitHub API test
 * server: events polled → stored → run by `quickcd runner` child processes → comments on GitHub.
 */
const HANDLERS = `
import { appendFileSync, existsSync } from 'node:fs';
import { on } from 'quickcd';

const dir = process.env.E2E_DIR;
const wait = () => new Promise((r) => setTimeout(r, 50));

on('PushEvent', async (payload, ctx) => {
  const log = ctx.commitLogger(payload.head);
  const sh = ctx.loggingShell(log);
  await sh\`echo deploying \${ctx.event.id}\`;
  appendFileSync(dir + '/runs.txt', ctx.event.id + '\\n');
  while (existsSync(dir + '/hold-' + ctx.event.id)) await wait();
  if (existsSync(dir + '/fail-' + ctx.event.id)) throw new Error('told to fail ' + ctx.event.id);
}, { name: 'deploy' });

on('IssueCommentEvent', async (payload, ctx) => {
  appendFileSync(dir + '/chat-started.txt', ctx.event.id + '\\n');
  while (existsSync(dir + '/hold-chat')) await wait();
  appendFileSync(dir + '/chat.txt', ctx.event.id + '\\n');
}, { name: 'chat', blocking: false });
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
  writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
  env = {
    E2E_DIR: dir,
    QUICKCD_GITHUB_URL: github.url,
    QUICKCD_GITHUB_TOKEN: github.token,
    QUICKCD_REPO: REPO,
    QUICKCD_POLL_INTERVAL: '1',
    QUICKCD_RETRY_BASE_SECONDS: '1',
    QUICKCD_COMMENT_INTERVAL: '0',
    QUICKCD_CLUSTER_ID: 'test/local/e2e',
  };
});

afterEach(async () => {
  for (const p of processes.splice(0)) await p.stop('SIGKILL');
  await github.close();
});

function start(extraEnv: Record<string, string> = {}): SchedulerProcess {
  const p = startSchedulerProcess(
    [
      '--store',
      'file',
      '--state-dir',
      stateDir,
      '--executor',
      'local',
      '--handlers',
      join(dir, 'handlers.ts'),
    ],
    { ...env, ...extraEnv },
  );
  processes.push(p);
  return p;
}

const runs = () =>
  existsSync(join(dir, 'runs.txt'))
    ? readFileSync(join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean)
    : [];

const pushEvent = (id?: string, repo = REPO) =>
  github.addEvent(repo, {
    type: 'PushEvent',
    ...(id ? { id } : {}),
    payload: {
      repository_id: 1,
      push_id: 2,
      ref: 'refs/heads/main',
      head: SHA,
      before: '0'.repeat(40),
    },
  });

const lines = (file: string) =>
  existsSync(join(dir, file))
    ? readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)
    : [];
const comment = () =>
  github.addEvent(REPO, {
    type: 'IssueCommentEvent',
    payload: issueCommentPayload('hi'),
  });

const events = async (...extra: string[]) =>
  runCli(['events', '--store', 'file', '--state-dir', stateDir, ...extra], { env });

async function statusOf(id: string): Promise<string | undefined> {
  const { stdout } = await events('--json');
  const line = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { id: string; status: string })
    .find((e) => e.id === id);
  return line?.status;
}

describe('quickcd scheduler --store file --executor local', { timeout: 120_000 }, () => {
  it('stores new events, runs them in order, comments on GitHub, ends handled', async () => {
    const scheduler = start();
    await scheduler.waitForLog('polled'); // first poll: cursor only, no replay
    const a = pushEvent();
    const b = pushEvent();
    github.addEvent(REPO, {
      type: 'IssueCommentEvent',
      payload: issueCommentPayload('hello'),
    });
    github.addEvent(REPO, { type: 'WatchEvent', payload: { action: 'started' } }); // no handler
    await eventually(async () => (await statusOf(b.id)) === 'handled', 'event b handled', 30_000);
    expect(await statusOf(a.id)).toBe('handled');
    expect(runs()).toEqual([a.id, b.id]);
    await eventually(() => existsSync(join(dir, 'chat.txt')), 'non-blocking handler ran');

    const comments = github.commitComments(REPO, SHA);
    expect(comments.length).toBe(2);
    expect(comments[0]!.body).toContain('## test/local/e2e: deploy');
    expect(comments[0]!.body).toContain(`deploying ${a.id}`);

    const table = (await events()).stdout;
    expect(table).toMatch(/ID\s+REPOSITORY\s+TYPE\s+STATUS/);
    expect(table).toContain(`${a.id}  ${REPO}`);
    expect(table).not.toContain('WatchEvent');
    expect(table).toContain('deploy:complete');

    const logs = await runCli(['logs', a.id, '--executor', 'local', '--state-dir', stateDir], {
      env,
    });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(
      new RegExp(`== run/\\S+-${a.id}-b1 \\(blocking, attempt 1, succeeded\\) ==`),
    );
    expect(logs.stdout).toContain(`deploying ${a.id}`);
    expect(logs.stdout).not.toContain(github.token);

    // Idle polls are conditional: page 1 answered 304 with the saved ETag.
    const listings = github.requests.filter((r) => r.path.startsWith(`/repos/${REPO}/events`));
    expect(listings.some((r) => r.status === 304)).toBe(true);
    expect(await scheduler.stop()).toBe(0);
  });

  it('a failed event holds the lane; quickcd retry and quickcd skip release it', async () => {
    const scheduler = start();
    await scheduler.waitForLog('polled');
    const a = pushEvent();
    writeFileSync(join(dir, `fail-${a.id}`), '');
    const b = pushEvent();
    const c = pushEvent();
    await eventually(async () => (await statusOf(a.id)) === 'failed', 'a failed', 30_000);
    // Retried after 1³ × 1 s, and still failing: b waits all the while.
    await eventually(() => runs().filter((id) => id === a.id).length >= 2, 'a retried', 30_000);
    expect(runs()).not.toContain(b.id);
    const stored = JSON.parse(
      (await events('--json')).stdout.split('\n').find((l) => l.includes(`"id":"${a.id}"`))!,
    ) as { lanes: { blocking: { attempts: number; lastRunAt: string; nextRunAt: string } } };
    const lane = stored.lanes.blocking;
    if (lane.nextRunAt) {
      const delay = (Date.parse(lane.nextRunAt) - Date.parse(lane.lastRunAt)) / 1000;
      expect(delay).toBeGreaterThanOrEqual(lane.attempts ** 3 - 1); // attempts³ × 1 s, from the end of the run
    }

    // The operator skips a: b runs.
    const skip = await runCli(['skip', a.id, '--store', 'file', '--state-dir', stateDir], { env });
    expect(skip.stdout).toContain('skipped');
    await eventually(
      async () => (await statusOf(b.id)) === 'handled',
      'b handled after skip',
      30_000,
    );
    expect(await statusOf(a.id)).toBe('skipped');

    // a is fixed; quickcd retry runs it again now (no backoff wait), the done handlers stay done.
    await eventually(async () => (await statusOf(c.id)) === 'handled', 'c handled', 30_000);
    rmSync(join(dir, `fail-${a.id}`));
    // b and c already ran after a: retrying a breaks the lane's order, so only with --force.
    const retryArgs = ['retry', a.id, '--store', 'file', '--state-dir', stateDir];
    const refused = await runCli(retryArgs, { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`newer event ${c.id} (PushEvent) already ran`);
    const retry = await runCli([...retryArgs, '--force'], { env });
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.stdout).toContain(`after newer event ${c.id}`);
    await eventually(
      async () => (await statusOf(a.id)) === 'handled',
      'a handled after retry',
      30_000,
    );

    const notFound = await runCli(['retry', '999', '--store', 'file', '--state-dir', stateDir], {
      env,
    });
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toContain('no stored event 999');
    await scheduler.stop();
  });

  it('records a malformed payload as failed with the event id and field, never running it', async () => {
    const scheduler = start();
    await scheduler.waitForLog('polled');
    const bad = github.addEvent(REPO, {
      type: 'PushEvent',
      payload: { repository_id: 1, push_id: 2, ref: 'refs/heads/main', before: '0'.repeat(40) },
    });
    const logged = await scheduler.waitForLog(
      'stored a malformed event as failed: its handlers do not run',
      { eventId: bad.id },
    );
    expect(logged.problem).toMatch(/^malformed PushEvent payload: payload\.head: /);
    const listed = await events('--json');
    expect(listed.stdout).toContain(`"id":"${bad.id}"`);
    expect(await statusOf(bad.id)).toBe('failed');
    const skip = await runCli(['skip', bad.id, '--store', 'file', '--state-dir', stateDir], {
      env,
    });
    expect(skip.code).toBe(0);
    const good = pushEvent();
    await eventually(async () => (await statusOf(good.id)) === 'handled', 'next event', 30_000);
    expect(runs()).toEqual([good.id]);
    expect(await scheduler.stop()).toBe(0);
  });

  it('bad credentials: an error naming the repository and the fix, checked again and again', async () => {
    const scheduler = start({ QUICKCD_GITHUB_TOKEN: 'ghp_revoked' });
    const refusals = () =>
      scheduler.logs.filter(
        (l) =>
          l.level === 50 && l.repo === REPO && typeof l.msg === 'string' && /\(401 /.test(l.msg),
      );
    const [first] = await eventually(() => (refusals().length > 0 ? refusals() : undefined));
    expect(first?.msg).toMatch(/GitHub refused the credentials while reading acme\/webapp/);
    expect(first?.msg).toContain('QUICKCD_GITHUB_TOKEN');
    expect(first?.missing).toBe('valid credentials');
    await eventually(() => refusals().length >= 2, 'checked again', 20_000);
    expect(scheduler.child.exitCode).toBeNull();
    expect(github.requests.some((r) => r.path.startsWith(`/repos/${REPO}/events`))).toBe(false);
    expect(await scheduler.stop()).toBe(0);
  });

  it('survives kill -9: no stored event lost, the run in flight is observed, not launched twice', async () => {
    const first = start();
    await first.waitForLog('polled');
    const a = pushEvent();
    writeFileSync(join(dir, `hold-${a.id}`), '');
    await eventually(() => runs().includes(a.id), 'a running', 30_000);
    await first.stop('SIGKILL');

    // Events that arrive while no scheduler runs are found on start.
    const b = pushEvent();
    const second = start();
    // Its first pass observes a's run (running), as any pass does: no second launch.
    await second.waitForLog('polled');
    rmSync(join(dir, `hold-${a.id}`));
    await eventually(async () => (await statusOf(b.id)) === 'handled', 'b handled', 30_000);
    expect(await statusOf(a.id)).toBe('handled');
    expect(runs()).toEqual([a.id, b.id]); // a ran once
    expect(await second.stop()).toBe(0);
  });

  it('SIGTERM stops promptly with exit 0 and leaves the running handler alone', async () => {
    const scheduler = start();
    await scheduler.waitForLog('polled');
    const a = pushEvent();
    writeFileSync(join(dir, `hold-${a.id}`), '');
    await eventually(() => runs().includes(a.id), 'a running', 30_000);
    const started = Date.now();
    expect(await scheduler.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await statusOf(a.id)).toBe('running');
    // The table shows the handler that is running as running (not pending).
    const row = (await events()).stdout.split('\n').find((l) => l.startsWith(a.id));
    expect(row).toMatch(/\srunning\s.*\bdeploy:running$/);
    // The runner still runs: a new scheduler records its result.
    const next = start();
    rmSync(join(dir, `hold-${a.id}`));
    await eventually(async () => (await statusOf(a.id)) === 'handled', 'a handled', 30_000);
    await next.stop();
  });

  it('non-blocking handlers run at most QUICKCD_CONCURRENCY at once, beside the blocking lane', async () => {
    const scheduler = start({ QUICKCD_CONCURRENCY: '2' });
    await scheduler.waitForLog('polled');
    writeFileSync(join(dir, 'hold-chat'), '');
    const chats = [comment(), comment(), comment()];
    const a = pushEvent();
    await eventually(() => lines('chat-started.txt').length === 2, 'two chats running', 30_000);
    await eventually(
      async () => (await statusOf(a.id)) === 'handled',
      'a handled beside them',
      30_000,
    );
    expect(lines('chat-started.txt')).toHaveLength(2); // the third waits for a slot
    rmSync(join(dir, 'hold-chat'));
    await eventually(() => lines('chat.txt').length === 3, 'all chats done', 30_000);
    expect(lines('chat.txt').sort()).toEqual(chats.map((c) => c.id).sort());
    await scheduler.stop();
  });

  it('repositories progress independently: one held, the other goes on', async () => {
    const OTHER = 'acme/api';
    const scheduler = start({ QUICKCD_REPO: `${REPO},${OTHER}` });
    await eventually(
      () => scheduler.logs.filter((l) => l.msg === 'polled').length >= 2,
      'both polled',
    );
    const a = pushEvent();
    writeFileSync(join(dir, `fail-${a.id}`), '');
    const b = pushEvent();
    const c = pushEvent(undefined, OTHER);
    const d = pushEvent(undefined, OTHER);
    await eventually(
      async () => (await statusOf(d.id)) === 'handled',
      'the other repository',
      30_000,
    );
    expect(await statusOf(c.id)).toBe('handled');
    expect(['failed', 'running']).toContain(await statusOf(a.id)); // failing, retried with backoff
    expect(await statusOf(b.id)).toBe('pending'); // held behind a
    expect(runs()).not.toContain(b.id);
    await scheduler.stop();
  });
});
