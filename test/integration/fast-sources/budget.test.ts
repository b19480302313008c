import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../common/github/create-github-client.js';
import type { GitHubEvent } from '../../../handlers/event.js';
import type { Cursor } from '../../../scheduler/cursor.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import { createGitHubPoller } from '../../../scheduler/github-poller.js';
import { withFastSources } from '../../../scheduler/sources/with-fast-sources.js';
import { tempDir } from '../../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { systemClock } from '../../../common/clock.js';

const sha = (n: number) => n.toString(16).padStart(40, 'd');
const REPOS = Array.from({ length: 100 }, (_, i) => `fleet/app${i}`);
const BUDGET = 300;

let github: GitHubTestServer;
beforeAll(async () => {
  github = await startGitHubServer();
  for (const repo of REPOS) github.push(repo, { ref: 'main', head: sha(1), event: false });
});
afterAll(() => github.close());

/**
 * The budget with 100 repositories (issue 14, item 6), driven the way the scheduler drives
 * its source, on a clock the test moves (one second a step): the real Octokit (retry and
 * throttling plugins) against the GitHub API test server.
 */
function setup(options: { wantsType?: (type: string) => boolean } = {}) {
  const logs: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  let now = Date.now();
  const client = createGitHubClient({
    config: { githubToken: github.token, githubUrl: github.url },
    log,
    timing: { limitRetries: 0, retryAfterBaseValue: 1, retries: 0 },
  });
  const store = createFileStore({ stateDir: join(tempDir('quickcd-budget-'), 'state') });
  const fast = withFastSources({
    events: createGitHubPoller({
      github: client,
      wanted: () => true,
      config: { pollInterval: 60, revalidateInterval: 3600, replay: 'none' },
      log,
      clock: { now: () => new Date(now), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
    }),
    github: client,
    store,
    wanted: () => true,
    ...options,
    repos: REPOS,
    config: { fastPollInterval: 10, fastPollBudget: BUDGET },
    log,
    clock: { now: () => new Date(now), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
  });
  const cursors = new Map<string, Cursor | undefined>();
  const due = new Map<string, number>(REPOS.map((r) => [r, 0]));
  /** Watcher requests (not the Events API) answered during each simulated second. */
  const perSecond: number[] = [];
  /** What the source handed out (the scheduler would store it). */
  const seen: GitHubEvent[] = [];
  async function run(seconds: number): Promise<void> {
    for (let s = 0; s < seconds; s++) {
      const before = github.requests.length;
      for (const repo of REPOS) {
        if ((due.get(repo) ?? 0) > now) continue;
        const result = await fast.source.poll(repo, cursors.get(repo));
        cursors.set(repo, result.cursor);
        seen.push(...result.events);
        due.set(repo, now + result.nextPollSeconds * 1000);
      }
      perSecond.push(
        github.requests.slice(before).filter((r) => !r.path.includes('/events')).length,
      );
      now += 1000;
    }
  }
  const busiestMinute = () =>
    Math.max(...perSecond.map((_, i) => perSecond.slice(i, i + 60).reduce((a, b) => a + b, 0)));
  return { fast, logs, run, perSecond, busiestMinute, seen };
}

describe('fast sources: the request budget', { timeout: 180_000 }, () => {
  it('stretches the interval for 100 repositories and stays within the budget', async () => {
    const { fast, logs, run, busiestMinute, seen } = setup();
    const remaining = github.rateLimitRemaining;
    await run(200);
    const stretched = logs.find(
      (l) => l.msg === 'fast poll interval stretched to stay within the request budget',
    );
    // Five requests a repository a cycle (two refs, pulls, two comment listings), planned at
    // 80% of 300 a minute: 100 × 5 / 240 minutes.
    expect(stretched).toMatchObject({ repos: 100, requestsPerCycle: 5, intervalSeconds: 125 });
    expect(fast.budget?.snapshot().intervalSeconds).toBe(125);
    expect(busiestMinute()).toBeLessThanOrEqual(BUDGET);
    // Baselines cost one 200 per listing and repository, and the Events API's first poll one;
    // the repository itself is read only for a change. Idle polls after them cost nothing.
    const afterBaseline = github.rateLimitRemaining;
    expect(remaining - afterBaseline).toBe(100 * 6);
    await run(200);
    const idle = github.rateLimitRemaining;
    // Only the Events API's own polls (once a minute, 304s after the first) could cost: none.
    expect(afterBaseline - idle).toBe(0);
    // A change is still seen, within the stretched interval.
    github.push('fleet/app57', { ref: 'main', head: sha(2), event: false });
    await run(130);
    expect(seen.map((e) => [e.repo.name, e.type, e.source])).toEqual([
      ['fleet/app57', 'PushEvent', 'refs'],
    ]);
  });

  it('obeys Retry-After: the watchers wait, then go on', async () => {
    const { logs, run, perSecond } = setup();
    await run(1);
    github.fault({
      method: 'GET',
      path: /matching-refs\/heads/,
      kind: 'secondary-rate-limit',
      retryAfter: 30,
      times: 1,
    });
    await run(150);
    const waited = logs.find(
      (l) =>
        l.msg === 'fast sources wait for the GitHub rate limit (the Events API poller goes on)',
    );
    expect(waited).toMatchObject({ retryAfter: 30 });
    const faultAt = github.requests.findIndex((r) => r.status === 403);
    expect(faultAt).toBeGreaterThan(0);
    // After the 403: nothing from the watchers for 30 s, then they resume.
    const start = perSecond.findIndex(
      (_, i) => i > 0 && perSecond[i - 1]! > 0 && perSecond[i] === 0,
    );
    expect(start).toBeGreaterThan(0);
    const quiet = perSecond.slice(start, start + 29);
    expect(quiet.every((n) => n === 0)).toBe(true);
    expect(perSecond.slice(start + 29).some((n) => n > 0)).toBe(true);
  });

  it('obeys X-RateLimit-Reset when the primary limit is spent', async () => {
    const { logs, run, perSecond } = setup();
    github.fault({
      method: 'GET',
      path: /matching-refs\/heads/,
      kind: 'primary-rate-limit',
      resetInSeconds: 60,
      times: 1,
    });
    await run(120);
    const waited = logs.find(
      (l) =>
        l.msg === 'fast sources wait for the GitHub rate limit (the Events API poller goes on)',
    );
    expect(waited).toMatchObject({ remaining: 0 });
    const until = Date.parse(String(waited?.until));
    expect(until - Date.now()).toBeGreaterThan(30_000);
    // The first second polled (and was refused); then quiet until the reset, then polls again.
    expect(perSecond.slice(1, 50).every((n) => n === 0)).toBe(true);
    expect(perSecond.slice(50).some((n) => n > 0)).toBe(true);
  });

  it('asks only for what some handler wants; reads a repository only when it changed', async () => {
    const wanted = new Set(['PushEvent', 'IssueCommentEvent']);
    const { run, seen, logs } = setup({ wantsType: (type) => wanted.has(type) });
    const from = github.requests.length;
    const asked = () =>
      github.requests.slice(from).map((r) => `${r.path.split('?')[0]} ${r.status}`);
    const reads = () => asked().filter((r) => /^\/repos\/fleet\/app\d+ /.test(r));
    await run(140);
    expect(logs.filter((l) => l.msg?.toString().includes('it rests'))).toMatchObject([
      { watcher: 'pulls' },
    ]);
    // Refs and comments at 4 requests a repository a cycle: 100 × 4 / 240 minutes.
    expect(logs.findLast((l) => l.msg?.toString().startsWith('fast poll interval'))).toMatchObject({
      requestsPerCycle: 4,
      intervalSeconds: 100,
    });
    expect(asked().filter((r) => r.includes('/pulls'))).toEqual([]);
    const refs = asked().filter((r) => r.includes('/matching-refs/'));
    expect(new Set(refs.map((r) => r.split(' ')[0])).size).toBe(200); // heads and tags
    expect(refs.filter((r) => r.endsWith(' 200'))).toHaveLength(200); // then only 304s
    expect(reads()).toEqual([]);

    github.push('fleet/app3', { ref: 'main', head: sha(3), event: false });
    const pr = github.openPullRequest('fleet/app5', { head: sha(4) });
    await run(110);
    expect(reads()).toEqual(['/repos/fleet/app3 200']);
    const fast = () => seen.filter((e) => e.source !== 'events-api');
    expect(fast().map((e) => [e.repo.name, e.type, e.repo.id > 0])).toEqual([
      ['fleet/app3', 'PushEvent', true],
    ]);

    // A handlers reload that wants pull requests: the watcher's first poll is a baseline (the
    // pull request opened while it rested is not drafted), then it sees changes again.
    wanted.add('PullRequestEvent');
    await run(110);
    github.changePullRequest('fleet/app5', pr.number, { head: sha(5) });
    await run(110);
    expect(fast().map((e) => [e.repo.name, e.type, e.payload.action])).toEqual([
      ['fleet/app3', 'PushEvent', undefined],
      ['fleet/app5', 'PullRequestEvent', 'synchronize'],
    ]);
    expect(reads()).toEqual(['/repos/fleet/app3 200', '/repos/fleet/app5 200']);
  });
});
