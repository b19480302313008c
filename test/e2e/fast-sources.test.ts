import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileStore } from '../../scheduler/file-store.js';
import type { StoredEvent } from '../../scheduler/ports/event-store.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { startSchedulerProcess, type SchedulerProcess } from '../support/scheduler-process.js';

/**
 * The fast sources (issue 14) end to end: the real scheduler process (file store, local
 * executor) against the GitHub API test server, whose Events API lags by ten minutes until a
 * test moves its clock on. Handlers record `source ref head` of each run.
 */
const HANDLERS = `
import { appendFileSync, existsSync } from 'node:fs';
import { on } from 'quickcd';
const dir = process.env.E2E_DIR;
const wait = () => new Promise((r) => setTimeout(r, 50));
on('PushEvent', async (payload, ctx) => {
  appendFileSync(dir + '/runs.txt', [ctx.event.source, payload.ref, payload.head].join(' ') + '\\n');
  while (existsSync(dir + '/hold')) await wait();
}, { name: 'deploy' });
const note = (line) => appendFileSync(dir + '/others.txt', line + '\\n');
on('PullRequestEvent', async (payload, ctx) => {
  note([ctx.event.source, 'pr', payload.number, payload.action, payload.pull_request.head.sha].join(' '));
}, { name: 'review' });
on('IssueCommentEvent', async (payload, ctx) => {
  note([ctx.event.source, 'issue-comment', payload.issue.number, payload.comment.body].join(' '));
}, { name: 'chat', blocking: false });
on('CommitCommentEvent', async (payload, ctx) => {
  note([ctx.event.source, 'commit-comment', payload.comment.body].join(' '));
}, { name: 'commit-chat', blocking: false });
`;

const REPO = 'acme/fast';
const LAG_MS = 10 * 60_000;
const sha = (n: number) => n.toString(16).padStart(40, 'b');

let github: GitHubTestServer;
let dir: string;
let scheduler: SchedulerProcess | undefined;

beforeEach(async () => {
  github = await startGitHubServer({ pollInterval: 1, eventsLatencyMs: LAG_MS });
  dir = tempDir('quickcd-fast-');
  writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
});

afterEach(async () => {
  await scheduler?.stop('SIGKILL');
  scheduler = undefined;
  await github.close();
});

function start(extra: Record<string, string> = {}): SchedulerProcess {
  scheduler = startSchedulerProcess(
    [
      '--store',
      'file',
      '--state-dir',
      join(dir, 'state'),
      '--executor',
      'local',
      '--handlers',
      join(dir, 'handlers.ts'),
    ],
    {
      E2E_DIR: dir,
      QUICKCD_GITHUB_URL: github.url,
      QUICKCD_GITHUB_TOKEN: github.token,
      QUICKCD_REPO: REPO,
      QUICKCD_POLL_INTERVAL: '1',
      QUICKCD_FAST_POLL_INTERVAL: '1',
      QUICKCD_COMMENT_INTERVAL: '0',
      QUICKCD_CLUSTER_ID: 'test/local/fast',
      ...extra,
    },
  );
  return scheduler;
}

const runs = () =>
  existsSync(join(dir, 'runs.txt'))
    ? readFileSync(join(dir, 'runs.txt'), 'utf8').split('\n').filter(Boolean)
    : [];
const others = () =>
  existsSync(join(dir, 'others.txt'))
    ? readFileSync(join(dir, 'others.txt'), 'utf8').split('\n').filter(Boolean).sort()
    : [];
const stored = (): Promise<StoredEvent[]> =>
  createFileStore({ stateDir: join(dir, 'state'), create: false }).listEvents({ repo: REPO });
const pushes = async () => (await stored()).filter((e) => e.type === 'PushEvent');
/** The scheduler has taken the baseline of the refs and of the Events API. */
async function ready(s: SchedulerProcess): Promise<void> {
  await s.waitForLog('polled');
  await s.waitForLog('polled');
}

describe('fast sources', { timeout: 120_000 }, () => {
  it('runs a push seen by the ref watcher at once; the late real event is recorded on it', async () => {
    github.push(REPO, { ref: 'main', head: sha(1), event: false });
    const s = start();
    await ready(s);
    const [real] = github.push(REPO, { ref: 'main', head: sha(2) }).slice(-1);
    await eventually(() => runs().length === 1, 'the synthesised push ran', 30_000);
    expect(runs()).toEqual([`refs refs/heads/main ${sha(2)}`]);
    github.advanceClock(LAG_MS);
    await eventually(
      async () => (await pushes())[0]?.matched?.id === real?.id,
      'the real event recorded on the synthesised one',
      30_000,
    );
    const [event] = await pushes();
    expect(event).toMatchObject({
      status: 'handled',
      event: { source: 'refs', payload: { before: sha(1), head: sha(2) } },
      matched: { id: real?.id, source: 'events-api', actor: { login: 'acme' } },
    });
    expect(BigInt(event!.id)).toBeGreaterThan(BigInt(real!.id));
    // Polls after the match change nothing: one event, one run.
    await s.waitForLog('matched the same change from another source: recorded, not run again');
    const polls = s.logs.filter((l) => l.msg === 'polled').length;
    await eventually(() => s.logs.filter((l) => l.msg === 'polled').length >= polls + 3, 'polls');
    expect(runs()).toHaveLength(1);
    expect(await pushes()).toHaveLength(1);
  });

  it('an Events API event that arrives first is not synthesised again', async () => {
    github.setEventsLatency(0);
    github.push(REPO, { ref: 'main', head: sha(1), event: false });
    const s = start();
    await ready(s);
    // GitHub's record of the push, visible before the ref watcher sees the ref move.
    const real = github.addEvent(REPO, {
      type: 'PushEvent',
      actor: { login: 'dev' },
      payload: {
        repository_id: 1,
        push_id: 7,
        ref: 'refs/heads/main',
        before: sha(1),
        head: sha(3),
      },
    });
    await eventually(() => runs().length === 1, 'the real push ran', 30_000);
    expect(runs()).toEqual([`events-api refs/heads/main ${sha(3)}`]);
    github.push(REPO, { ref: 'main', head: sha(3), event: false });
    await eventually(
      async () => (await pushes())[0]?.matched?.source === 'refs',
      'the ref watcher matched the stored real event',
      30_000,
    );
    const all = await pushes();
    expect(all.map((e) => e.id)).toEqual([real.id]);
    expect(runs()).toHaveLength(1);
  });

  it('collapses two quick pushes: the newer head runs, the older is recorded superseded', async () => {
    github.push(REPO, { ref: 'main', head: sha(1), event: false });
    const s = start();
    await ready(s);
    const [, first] = [undefined, ...github.push(REPO, { ref: 'main', head: sha(2) })];
    const second = github.push(REPO, { ref: 'main', head: sha(3) })[0];
    await eventually(() => runs().length === 1, 'the collapsed push ran', 30_000);
    expect(runs()).toEqual([`refs refs/heads/main ${sha(3)}`]);
    github.advanceClock(LAG_MS);
    await eventually(async () => (await pushes()).length === 2, 'both real pushes seen', 30_000);
    await eventually(async () => (await pushes()).some((e) => e.matched), 'newer one matched');
    const [older, synthesised] = await pushes();
    expect(older).toMatchObject({
      id: first?.id,
      status: 'skipped',
      supersededBy: synthesised?.id,
    });
    expect(synthesised).toMatchObject({ status: 'handled', matched: { id: second?.id } });
    expect(runs()).toHaveLength(1);
  });

  it('orders the blocking lane by the time of the changes, across refs', async () => {
    github.push(REPO, { ref: 'main', head: sha(1), event: false });
    const s = start();
    await ready(s);
    writeFileSync(join(dir, 'hold'), '');
    github.push(REPO, { ref: 'main', head: sha(2) });
    await eventually(() => runs().length === 1, 'the first push runs (held)', 30_000);
    github.push(REPO, { ref: 'dev', head: sha(4) });
    await eventually(async () => (await pushes()).length === 2, 'the dev push stored');
    github.push(REPO, { ref: 'main', head: sha(5) });
    await eventually(async () => (await pushes()).length === 3, 'the third push stored');
    rmSync(join(dir, 'hold'));
    await eventually(() => runs().length === 3, 'all ran', 30_000);
    expect(runs().map((r) => r.split(' ').slice(1).join(' '))).toEqual([
      `refs/heads/main ${sha(2)}`,
      `refs/heads/dev ${sha(4)}`,
      `refs/heads/main ${sha(5)}`,
    ]);
    github.advanceClock(LAG_MS);
    await eventually(
      async () => (await pushes()).every((e) => e.matched !== undefined),
      'every real push matched',
      30_000,
    );
    expect(runs()).toHaveLength(3);
  });

  it('pull request and comment watchers: each change runs once, the real events are recorded', async () => {
    // Made before the scheduler started, and still inside the Events API's lag then.
    await github.addCommitComment(REPO, sha(9), 'old');
    const s = start();
    await ready(s);
    const pr = github.openPullRequest(REPO, { head: sha(6) });
    await github.addIssueComment(REPO, pr.number, '/quickcd help me');
    await github.addCommitComment(REPO, sha(9), 'nice commit');
    await eventually(() => others().length === 3, 'opened and the comments ran', 30_000);
    github.advanceClock(1000);
    github.changePullRequest(REPO, pr.number, { head: sha(7) });
    await eventually(() => others().length === 4, 'synchronize ran', 30_000);
    github.advanceClock(1000);
    github.changePullRequest(REPO, pr.number, { action: 'merged' });
    await eventually(() => others().length === 5, 'closed ran', 30_000);
    expect(others()).toEqual([
      'comments commit-comment nice commit',
      `comments issue-comment ${pr.number} /quickcd help me`,
      `pulls pr ${pr.number} closed ${sha(7)}`,
      `pulls pr ${pr.number} opened ${sha(6)}`,
      `pulls pr ${pr.number} synchronize ${sha(7)}`,
    ]);
    github.advanceClock(LAG_MS);
    await eventually(
      async () => {
        const all = await stored();
        const synthesised = all.filter((e) => e.event.source !== 'events-api');
        return (
          all.length === 6 &&
          synthesised.length === 5 &&
          synthesised.every((e) => e.matched?.source === 'events-api')
        );
      },
      'every real event matched to its synthesised one',
      30_000,
    );
    // The old comment no watcher saw comes from the Events API, the record: nothing missed.
    await eventually(() => others().length === 6, 'the old comment ran', 30_000);
    expect(others()).toContain('events-api commit-comment old');
  });
});
