import { writeFileSync } from 'node:fs';
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
import { logTime } from './support/log-time.js';
import { percentile } from './support/percentile.js';
import { requestBreakdown } from './support/request-breakdown.js';
import { startStopwatchServer } from './support/stopwatch-server.js';

/**
 * Dispatch overhead with a no-op handler (it only tells a stopwatch server when it starts and
 * ends), the real scheduler process against the GitHub API test server and, for the Kubernetes
 * store and Jobs, the real control plane. Single events one after the other give storage →
 * launch; a burst of events on one blocking lane gives one run's end → the next one's start.
 * The Kubernetes requests of the burst are counted by the cluster's proxy and broken down.
 */
const row = benchReport('Dispatch overhead');
const breakdownRow = benchReport('Kubernetes requests per event');
const REPO = 'bench/dispatch';
const SINGLE = Number(process.env.BENCH_DISPATCH_SINGLE ?? 10);
const BURST = Number(process.env.BENCH_DISPATCH_BURST ?? 20);
const NAMESPACE = 'bench';

type Mode =
  'file store, local executor' | 'ConfigMap store, local executor' | 'ConfigMap store, Jobs';
const MODES: readonly Mode[] = [
  'file store, local executor',
  'ConfigMap store, local executor',
  'ConfigMap store, Jobs',
];

const handlers = (url: string) => `import { on } from 'quickcd';
const mark = (kind: string, id: string) => fetch('${url}/' + kind + '/' + id, { method: 'POST' });
on('PushEvent', async (_payload, ctx) => {
  await mark('start', ctx.event.id);
  await mark('end', ctx.event.id);
}, { name: 'noop' });
`;

const push = (i: number) => ({
  type: 'PushEvent',
  payload: {
    ref: 'refs/heads/main',
    head: i.toString(16).padStart(40, 'a'),
    before: '0'.repeat(40),
    push_id: i,
    repository_id: 1,
  },
});

const ms = (values: number[], p: number) =>
  `${Math.round(
    percentile(
      [...values].sort((a, b) => a - b),
      p,
    ),
  )} ms`;

describe('dispatch overhead', () => {
  for (const mode of MODES) {
    const kube = mode !== 'file store, local executor';
    it.skipIf(kube && clusterSkipReason !== undefined)(mode, { timeout: 600_000 }, async () => {
      const github = await startGitHubServer({ pollInterval: 1 });
      const stopwatch = await startStopwatchServer();
      let cluster: TestCluster | undefined;
      const dir = tempDir('quickcd-bench-dispatch-');
      writeFileSync(join(dir, 'handlers.ts'), handlers(stopwatch.url));
      try {
        if (kube)
          cluster = await startBenchCluster(NAMESPACE, { node: mode === 'ConfigMap store, Jobs' });
        const where = cluster
          ? [
              '--kubeconfig',
              cluster.kubeconfigPath,
              '--namespace',
              NAMESPACE,
              '--store',
              'kubernetes',
            ]
          : ['--store', 'file'];
        // A state directory of its own for the local executor's runs too: run names repeat from
        // one test server to the next, and a run found finished there would be adopted.
        where.push('--state-dir', join(dir, 'state'));
        const executor = mode === 'ConfigMap store, Jobs' ? 'kubernetes' : 'local';
        const scheduler = startSchedulerProcess([...where, '--executor', executor], {
          QUICKCD_HANDLERS: join(dir, 'handlers.ts'),
          QUICKCD_GITHUB_URL: github.url,
          QUICKCD_GITHUB_TOKEN: github.token,
          QUICKCD_REPO: REPO,
          QUICKCD_POLL_INTERVAL: '1',
          QUICKCD_FAST_POLL_INTERVAL: '0',
          QUICKCD_COMMENT_INTERVAL: '0',
          QUICKCD_LOG_LEVEL: 'info',
        });
        try {
          await scheduler.waitForLog('polled', {}, 60_000);
          const handled = (id: string) => () => logTime(scheduler.logs, 'lane handled', id);

          // Storage → launch, and launch → handler start, one event at a time.
          const toLaunch: number[] = [];
          const toStart: number[] = [];
          for (let i = 0; i < SINGLE; i++) {
            const { id } = github.addEvent(REPO, push(i + 1));
            await eventually(handled(id), `event ${id} handled`, 120_000);
            const stored = logTime(scheduler.logs, 'stored event', id)!;
            const launched = logTime(scheduler.logs, 'launched', id)!;
            toLaunch.push(launched - stored);
            toStart.push(stopwatch.at('start', id)! - launched);
          }

          // A burst on one blocking lane: one run's end → the next one's start.
          const requestsBefore = cluster?.proxy.requests.length ?? 0;
          const ids: string[] = [];
          for (let i = 0; i < BURST; i++) ids.push(github.addEvent(REPO, push(1000 + i)).id);
          for (const id of ids) await eventually(handled(id), `event ${id} handled`, 300_000);
          const requests = cluster?.proxy.requests.slice(requestsBefore) ?? [];
          const gaps: number[] = [];
          const endToRecorded: number[] = [];
          const recordedToLaunch: number[] = [];
          const launchToStart: number[] = [];
          for (let i = 1; i < ids.length; i++) {
            const previous = ids[i - 1]!;
            const id = ids[i]!;
            const end = stopwatch.at('end', previous)!;
            gaps.push(stopwatch.at('start', id)! - end);
            endToRecorded.push(logTime(scheduler.logs, 'lane handled', previous)! - end);
            recordedToLaunch.push(
              logTime(scheduler.logs, 'launched', id)! -
                logTime(scheduler.logs, 'lane handled', previous)!,
            );
            launchToStart.push(
              stopwatch.at('start', id)! - logTime(scheduler.logs, 'launched', id)!,
            );
          }
          const own = ids.map((id) => stopwatch.at('end', id)! - stopwatch.at('start', id)!);

          const local = mode !== 'ConfigMap store, Jobs';
          row({
            measure: `${mode}: one run's end → the next one's start (blocking lane), p50 / p95`,
            result: `${ms(gaps, 50)} / ${ms(gaps, 95)}`,
            ...(local
              ? {
                  target: 'p50 < 100 ms',
                  met:
                    percentile(
                      [...gaps].sort((a, b) => a - b),
                      50,
                    ) < 100,
                }
              : {}),
          });
          row({
            measure: `${mode}: … of which run end → outcome recorded, p50`,
            result: ms(endToRecorded, 50),
          });
          row({
            measure: `${mode}: … of which outcome recorded → next launch, p50`,
            result: ms(recordedToLaunch, 50),
          });
          row({
            measure: `${mode}: … of which launch → handler start (runner start), p50`,
            result: ms(launchToStart, 50),
          });
          row({
            measure: `${mode}: storage → launch (single events), p50 / p95`,
            result: `${ms(toLaunch, 50)} / ${ms(toLaunch, 95)}`,
          });
          row({
            measure: `${mode}: launch → handler start (single events), p50 / p95`,
            result: `${ms(toStart, 50)} / ${ms(toStart, 95)}`,
          });
          row({ measure: `${mode}: the handler's own time, p50`, result: ms(own, 50) });

          if (cluster) {
            const scheduler = requests.filter((r) => r.user !== 'bearer');
            const pods = requests.filter((r) => r.user === 'bearer');
            breakdownRow({
              measure: `**${mode}**: requests per event by the scheduler (${BURST} events) / by runner Pods`,
              result: `**${(scheduler.length / BURST).toFixed(1)}** / ${(pods.length / BURST).toFixed(1)}`,
            });
            for (const [key, n] of requestBreakdown(scheduler)) {
              breakdownRow({ measure: `${mode}: \`${key}\``, result: (n / BURST).toFixed(2) });
            }
          }
          expect(gaps).toHaveLength(BURST - 1);
          expect(gaps.every((g) => Number.isFinite(g) && g > 0)).toBe(true);
        } finally {
          await scheduler.stop();
        }
      } finally {
        await stopwatch.close();
        await github.close();
        await cluster?.stop();
      }
    });
  }
});
