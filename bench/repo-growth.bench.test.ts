import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestCluster } from '../test/support/cluster/start-test-cluster.js';
import { clusterSkipReason } from '../test/support/cluster/describe-cluster.js';
import { eventually } from '../test/support/eventually.js';
import { tempDir } from '../test/support/fixtures.js';
import { startGitHubServer } from '../test/support/github-server/index.js';
import { startSchedulerProcess } from '../test/support/scheduler-process.js';
import { startBenchCluster } from './support/bench-cluster.js';
import { benchReport } from './support/bench-report.js';
import { percentile } from './support/percentile.js';
import { requestBreakdown } from './support/request-breakdown.js';

/**
 * Growth with repositories: one scheduler process watching 1, 10, 100 and 1,000 idle
 * repositories (fast sources on, their defaults), measured over BENCH_GROWTH_SECONDS (default
 * 60) once every repository has been polled: GitHub requests (and those that cost rate limit),
 * Kubernetes requests, CPU, RSS, and poll lag (how late a repository's poll is against the
 * interval it was given). Embedded store for every size; the ConfigMap store on the real API
 * server for BENCH_GROWTH_KUBE (default 1,10,100).
 */
const row = benchReport('Growth with repositories');
const POLL = 10;
const WINDOW_S = Number(process.env.BENCH_GROWTH_SECONDS ?? 60);
const sizes = (text: string) => text.split(',').map(Number).filter(Boolean);
const EMBEDDED = sizes(process.env.BENCH_GROWTH_FILE ?? '1,10,100,1000');
const KUBE = sizes(process.env.BENCH_GROWTH_KUBE ?? '1,10,100');
const NAMESPACE = 'bench';
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async () => {}, { name: 'noop' });
`;
const TICKS = 100; // USER_HZ on Linux
/**
 * The fast sources' listings of an idle repository for push handlers: branch and tag refs, and
 * issue and commit comments (the built-in `/quickcd` commands); pull requests are not wanted.
 */
const WATCHED =
  /\/repos\/(bench\/r\d+)\/(git\/matching-refs\/heads|git\/matching-refs\/tags|issues\/comments|comments)\b/;
const WATCHED_LISTINGS = 4;
const PAUSED = 'fast sources wait for the GitHub rate limit (the Events API poller goes on)';

const cpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};
const rssMb = (pid: number) =>
  Math.round(
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024,
  );

describe('growth with repositories', () => {
  const cases = [
    ...EMBEDDED.map((n) => ({ n, kube: false })),
    ...KUBE.map((n) => ({ n, kube: true })),
  ];
  for (const { n, kube } of cases) {
    const store = kube ? 'ConfigMap store' : 'file store';
    it.skipIf(kube && clusterSkipReason !== undefined)(
      `${n} repositories, ${store}`,
      // The watchers' first, unconditional requests go at their budget (300 a minute): 4 per
      // repository with push handlers, ~7 minutes at 1,000 before the rate-limit pause.
      { timeout: Math.max(900_000, n * 2_400) },
      async () => {
        const github = await startGitHubServer({ pollInterval: POLL });
        let cluster: TestCluster | undefined;
        const dir = tempDir('quickcd-bench-growth-');
        writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
        const repos = Array.from({ length: n }, (_, i) => `bench/r${i}`);
        for (const repo of repos)
          github.push(repo, { ref: 'main', head: 'f'.repeat(40), event: false });
        try {
          if (kube) cluster = await startBenchCluster(NAMESPACE, { node: false });
          const where = cluster
            ? [
                '--kubeconfig',
                cluster.kubeconfigPath,
                '--namespace',
                NAMESPACE,
                '--executor',
                'local',
              ]
            : ['--store', 'file', '--executor', 'local'];
          where.push('--state-dir', join(dir, 'state')); // the local executor's runs too
          const scheduler = startSchedulerProcess(where, {
            QUICKCD_HANDLERS: join(dir, 'handlers.ts'),
            QUICKCD_GITHUB_URL: github.url,
            QUICKCD_GITHUB_TOKEN: github.token,
            QUICKCD_REPO: repos.join(','),
            QUICKCD_POLL_INTERVAL: String(POLL),
            QUICKCD_LOG_LEVEL: 'info',
          });
          try {
            const polled = () => scheduler.logs.filter((l) => l.msg === 'polled');
            await eventually(
              () => new Set(polled().map((l) => l.repo)).size >= n,
              'every repository polled',
              600_000,
            );
            // The fast watchers' first request of each listing is unconditional (no ETag yet), so
            // it costs rate limit; their budget (300 a minute) spreads these over minutes from
            // 100 repositories. Measure once every repository's listings have been asked once, or
            // the watchers wait for the rate limit's reset (at 1,000 repositories the first round
            // does not fit into one token's 5,000 an hour: reported), and no costing request
            // came for two poll intervals: the window then holds only the idle cost.
            const asked = new Set<string>();
            let scanned = 0;
            const paused = () => scheduler.logs.find((l) => l.msg === PAUSED);
            await eventually(
              () => {
                for (; scanned < github.requests.length; scanned++) {
                  const m = WATCHED.exec(github.requests[scanned]!.path);
                  if (m) asked.add(`${m[1]} ${m[2]}`);
                }
                const last = github.requests.findLast((r) => r.status !== 304);
                return (
                  (asked.size >= n * WATCHED_LISTINGS || paused() !== undefined) &&
                  (last === undefined || Date.now() - last.at.getTime() > 2 * POLL * 1000)
                );
              },
              'the first request of every watcher of every repository, or their rate-limit pause',
              1_800_000,
            );
            const firstRound = asked.size;
            const pausedAt = paused();
            const pid = scheduler.child.pid!;
            const g0 = github.requests.length;
            const k0 = cluster?.proxy.requests.length ?? 0;
            const cpu0 = cpuSeconds(pid);
            const t0 = Date.now();
            const p0 = polled().length;
            await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
            const seconds = (Date.now() - t0) / 1000;
            const cpu = cpuSeconds(pid) - cpu0;
            const rss = rssMb(pid);
            const gh = github.requests.slice(g0);
            const costly = gh.filter((r) => r.status !== 304);
            const costing = costly.length;
            // What cost: status and path (repositories and query folded), most frequent first.
            const costs = new Map<string, number>();
            for (const r of costly) {
              const key = `${r.status} ${r.method} ${r.path.split('?')[0]!.replace(/\/r\d+\//, '/r<n>/')}`;
              costs.set(key, (costs.get(key) ?? 0) + 1);
            }
            if (process.env.BENCH_DEBUG) {
              const distinct = new Set(costly.map((r) => `${r.path.split('?')[0]}`)).size;
              console.log(`costing ${costing}, distinct paths ${distinct}`);
            }
            const costText = [...costs]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 3)
              .map(([key, count]) => `${count}× \`${key}\``)
              .join(', ');
            const kubeSeen = cluster?.proxy.requests.slice(k0) ?? [];
            // The leader Lease is renewed every few seconds whatever the repositories: per
            // scheduler, not per poll. Everything else counts against "none between polls".
            const perPoll = kubeSeen.filter((r) => !r.path.includes('/leases/'));
            const kubeRequests = perPoll.length;

            // Poll lag: each poll's time against the previous poll of that repository plus the
            // interval it announced.
            const last = new Map<string, { time: number; next: number }>();
            const lags: number[] = [];
            for (const line of polled()) {
              const repo = String(line.repo);
              const time = Number(line.time);
              const previous = last.get(repo);
              if (previous && time >= t0)
                lags.push(Math.max(0, time - previous.time - previous.next));
              last.set(repo, { time, next: Number(line.nextPollSeconds) * 1000 });
            }
            lags.sort((a, b) => a - b);
            const perRepoHour = (count: number) => ((count * 3600) / seconds / n).toFixed(1);
            row({
              measure: `${store}, ${n} ${n === 1 ? 'repository' : 'repositories'}: GitHub requests / rate-limited (not 304) per repository per hour`,
              result: `${perRepoHour(gh.length)} / ${perRepoHour(costing)}${costing > 0 ? ` (${costText} in ${seconds.toFixed(0)} s)` : ''}`,
              target: '0 rate-limited',
              met: costing === 0,
            });
            row({
              measure: `${store}, ${n} ${n === 1 ? 'repository' : 'repositories'}: Kubernetes requests per repository per hour (Lease aside)`,
              result: cluster
                ? `${perRepoHour(kubeRequests)} (besides ${kubeSeen.length - kubeRequests} Lease renewals; ${
                    requestBreakdown(perPoll)
                      .map(([key, count]) => `${count}× \`${key}\``)
                      .join(', ') || 'none'
                  } in ${seconds.toFixed(0)} s)`
                : '— (no cluster)',
              ...(cluster ? { target: 'none between polls', met: kubeRequests === 0 } : {}),
            });
            const stretched = scheduler.logs.findLast((l) =>
              String(l.msg).startsWith('fast poll interval'),
            );
            row({
              measure: `${store}, ${n} ${n === 1 ? 'repository' : 'repositories'}: fast sources' first round (listings asked) / interval`,
              result: `${firstRound} of ${n * WATCHED_LISTINGS}${
                pausedAt
                  ? `, then paused for the rate limit (${String(pausedAt.remaining)} left, until ${String(pausedAt.until)})`
                  : ''
              } / ${Number(stretched?.intervalSeconds ?? POLL)} s`,
            });
            row({
              measure: `${store}, ${n} ${n === 1 ? 'repository' : 'repositories'}: scheduler CPU per repository per hour / RSS`,
              result: `${((cpu * 3600) / seconds / n).toFixed(2)} s / ${rss} MB`,
            });
            row({
              measure: `${store}, ${n} ${n === 1 ? 'repository' : 'repositories'}: poll lag p50 / max (${polled().length - p0} polls in ${seconds.toFixed(0)} s)`,
              result: `${((percentile(lags, 50) || 0) / 1000).toFixed(2)} s / ${((lags.at(-1) ?? 0) / 1000).toFixed(2)} s`,
            });
            expect(polled().length).toBeGreaterThan(p0);
          } finally {
            await scheduler.stop();
          }
        } finally {
          await github.close();
          await cluster?.stop();
        }
      },
    );
  }
});
