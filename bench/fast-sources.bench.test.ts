import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../scheduler/file-store.js';
import { eventually } from '../test/support/eventually.js';
import { tempDir } from '../test/support/fixtures.js';
import { startGitHubServer } from '../test/support/github-server/index.js';
import { startSchedulerProcess } from '../test/support/scheduler-process.js';
import { benchReport } from './support/bench-report.js';
import { percentile } from './support/percentile.js';

/**
 * Push → handler start with the fast sources (issue 14, "Done when"): the real scheduler
 * process (file store, local executor, QUICKCD_FAST_POLL_INTERVAL=10) against the GitHub API
 * test server whose Events API shows each event only 5 minutes after it happened. 50 pushes
 * over 5 repositories (each repository's pushes further apart than the fast interval, so none
 * collapse), at random moments. Then the real events arrive and must be matched, never run
 * again. A sixth repository stays idle. With BENCH_REAL_LAG=1 the bench waits the 5 minutes in
 * real time; by default, once every push has run, it moves the test server's clock on by
 * 5 minutes (the scheduler and the watchers run in real time throughout).
 */
const LAG_MS = 5 * 60_000;
const REPOS = Array.from({ length: 5 }, (_, i) => `bench/svc${i}`);
const IDLE = 'bench/idle';
const PUSHES = 50;
const sha = (n: number) => n.toString(16).padStart(40, 'e');
const report = benchReport('Fast sources: push → handler start');
const row = (measure: string, result: string, target?: string, met?: boolean) =>
  report(
    target === undefined ? { measure, result } : { measure, result, target, met: met ?? false },
  );

const HANDLERS = `
import { appendFileSync } from 'node:fs';
import { on } from 'quickcd';
on('PushEvent', async (payload, ctx) => {
  appendFileSync(process.env.BENCH_DIR + '/starts.txt', [Date.now(), payload.head, ctx.event.source].join(' ') + '\\n');
}, { name: 'deploy' });
`;

describe('fast sources', () => {
  it('push → handler start, exactly once, idle repository free', { timeout: 900_000 }, async () => {
    const github = await startGitHubServer({ pollInterval: 5, eventsLatencyMs: LAG_MS });
    const dir = tempDir('quickcd-bench-fast-');
    writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
    for (const repo of [...REPOS, IDLE])
      github.push(repo, { ref: 'main', head: sha(0), event: false });
    const scheduler = startSchedulerProcess(
      ['--store', 'file', '--state-dir', join(dir, 'state'), '--executor', 'local'],
      {
        BENCH_DIR: dir,
        QUICKCD_HANDLERS: join(dir, 'handlers.ts'),
        QUICKCD_GITHUB_URL: github.url,
        QUICKCD_GITHUB_TOKEN: github.token,
        QUICKCD_REPO: [...REPOS, IDLE].join(','),
        QUICKCD_POLL_INTERVAL: '5',
        QUICKCD_FAST_POLL_INTERVAL: '10',
        QUICKCD_COMMENT_INTERVAL: '0',
        QUICKCD_LOG_LEVEL: 'info',
      },
    );
    try {
      // Baselines of every repository taken.
      await eventually(
        () => scheduler.logs.filter((l) => l.msg === 'polled').length >= 12,
        'baselines',
        60_000,
      );
      const idleStart = github.requests.length;
      const idleSince = Date.now();
      const pushedAt = new Map<string, number>();
      const lastPush = new Map<string, number>();
      for (let i = 1; i <= PUSHES; i++) {
        const repo = REPOS[i % REPOS.length]!;
        // At least 12 s after this repository's previous push: more than one fast interval.
        const wait = Math.max(
          1000 + Math.random() * 3000,
          (lastPush.get(repo) ?? 0) + 12_000 - Date.now(),
        );
        await new Promise((r) => setTimeout(r, wait));
        github.push(repo, { ref: 'main', head: sha(i) });
        pushedAt.set(sha(i), Date.now());
        lastPush.set(repo, Date.now());
      }
      const starts = () =>
        existsSync(join(dir, 'starts.txt'))
          ? readFileSync(join(dir, 'starts.txt'), 'utf8')
              .split('\n')
              .filter(Boolean)
              .map((l) => l.split(' '))
          : [];
      await eventually(() => starts().length >= PUSHES, 'every push ran', 120_000);
      const latencies = starts()
        .map(([at, head]) => Number(at) - (pushedAt.get(head ?? '') ?? NaN))
        .sort((a, b) => a - b);
      // None of it came from the Events API: it still hides every push.
      expect(starts().every(([, , source]) => source === 'refs')).toBe(true);

      const idleRequests = github.requests
        .slice(idleStart)
        .filter((r) => r.path.startsWith(`/repos/${IDLE}/`));
      const idleSeconds = (Date.now() - idleSince) / 1000;
      const idleCosting = idleRequests.filter((r) => r.status !== 304).length;
      const idleLimited = idleRequests.filter((r) => r.status === 403 || r.status === 429).length;

      if (process.env.BENCH_REAL_LAG === '1') {
        const last = Math.max(...pushedAt.values());
        await new Promise((r) => setTimeout(r, Math.max(0, last + LAG_MS - Date.now())));
      } else {
        github.advanceClock(LAG_MS);
      }
      const store = createFileStore({ stateDir: join(dir, 'state'), create: false });
      const pushes = async () =>
        (await Promise.all(REPOS.map((repo) => store.listEvents({ repo })))).flat();
      await eventually(
        async () =>
          (await pushes()).filter((e) => e.matched?.source === 'events-api').length >= PUSHES,
        'every real event matched',
        120_000,
      );
      // A few more polls of everything: nothing runs again.
      const polls = scheduler.logs.filter((l) => l.msg === 'polled').length;
      await eventually(
        () => scheduler.logs.filter((l) => l.msg === 'polled').length >= polls + 12,
        'more polls',
        60_000,
      );
      const runsPerHead = new Map<string, number>();
      for (const [, head] of starts()) runsPerHead.set(head!, (runsPerHead.get(head!) ?? 0) + 1);
      const stored = await pushes();

      // Where the time goes: push → seen by the ref watcher (its synthesised event's time), and
      // seen → handler start (store, dispatch, and starting a local runner process).
      const seenAt = new Map(
        stored.map((e) => [String(e.event.payload.head), Date.parse(e.event.created_at)]),
      );
      const toSeen = [...pushedAt].map(([head, at]) => (seenAt.get(head) ?? NaN) - at);
      const toStart = starts().map(([at, head]) => Number(at) - (seenAt.get(head ?? '') ?? NaN));
      const ms = (values: number[], p: number) =>
        `${(
          percentile(
            [...values].sort((a, b) => a - b),
            p,
          ) / 1000
        ).toFixed(1)} s`;
      row('pushes (5 repositories, Events API delayed 5 min)', String(PUSHES));
      row(
        'push → handler start, p50',
        `${(percentile(latencies, 50) / 1000).toFixed(1)} s`,
        '< 10 s',
        percentile(latencies, 50) < 10_000,
      );
      row('push → handler start, p99', `${(percentile(latencies, 99) / 1000).toFixed(1)} s`);
      row(
        '  of which push → seen by the ref watcher, p50 / p99',
        `${ms(toSeen, 50)} / ${ms(toSeen, 99)}`,
      );
      row(
        '  of which seen → handler start (dispatch, runner process), p50 / p99',
        `${ms(toStart, 50)} / ${ms(toStart, 99)}`,
      );
      row('push → handler start, max', `${(latencies.at(-1)! / 1000).toFixed(1)} s`);
      row(
        'handler runs per push (after the real events arrived)',
        [...new Set(runsPerHead.values())].join(', '),
      );
      row(
        'stored push events / matched to their real event',
        `${stored.length} / ${stored.filter((e) => e.matched).length}`,
      );
      row(
        'idle repository: requests / costing the primary limit / rate-limited',
        `${idleRequests.length} / ${idleCosting} / ${idleLimited} in ${idleSeconds.toFixed(0)} s`,
      );
      row(
        'idle repository: primary-rate-limited requests per hour',
        String(Math.round((idleLimited * 3600) / idleSeconds)),
      );
      row(
        'Events API lag',
        process.env.BENCH_REAL_LAG === '1' ? 'waited in real time' : 'server clock moved on 5 min',
      );

      expect(latencies).toHaveLength(PUSHES);
      expect(percentile(latencies, 50)).toBeLessThan(10_000);
      expect(percentile(latencies, 99)).toBeLessThan(20_000);
      expect(runsPerHead.size).toBe(PUSHES);
      expect([...runsPerHead.values()].every((n) => n === 1)).toBe(true);
      expect(stored).toHaveLength(PUSHES);
      expect(idleCosting).toBe(0);
      expect(idleLimited).toBe(0);
    } finally {
      await scheduler.stop('SIGKILL');
      await github.close();
    }
  });
});
