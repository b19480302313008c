import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { createFileStore } from '../scheduler/file-store.js';
import { LABEL } from '../scheduler/kubernetes/names.js';
import type { TestCluster } from '../test/support/cluster/start-test-cluster.js';
import { clusterSkipReason } from '../test/support/cluster/describe-cluster.js';
import { eventually } from '../test/support/eventually.js';
import { tempDir } from '../test/support/fixtures.js';
import { startGitHubServer } from '../test/support/github-server/index.js';
import { startSchedulerProcess } from '../test/support/scheduler-process.js';
import { startBenchCluster } from './support/bench-cluster.js';
import { benchReport } from './support/bench-report.js';

/**
 * Ingest: a full Events API window (300 events, three pages) appears at once; how long until the
 * scheduler process has stored all of them, on the file store and as ConfigMaps on the real API
 * server. The handler of the first event holds the blocking lane until the bench has measured
 * (it waits while a file exists), so one runner, not 300, competes with the ingest.
 */
const row = benchReport('Ingest');
const REPO = 'bench/ingest';
const WINDOW = 300;
const NAMESPACE = 'bench';

const HANDLERS = `import { existsSync } from 'node:fs';
import { on } from 'quickcd';
on('PushEvent', async () => {
  while (existsSync(process.env.BENCH_HOLD!)) await new Promise((r) => setTimeout(r, 200));
}, { name: 'noop' });
`;

const push = (i: number) => ({
  type: 'PushEvent',
  payload: {
    ref: 'refs/heads/main',
    head: i.toString(16).padStart(40, 'c'),
    before: '0'.repeat(40),
    push_id: i,
    repository_id: 1,
  },
});

describe('ingest', () => {
  for (const store of ['file', 'kubernetes'] as const) {
    const title = store === 'file' ? 'file store' : 'ConfigMap store (real API server)';
    it.skipIf(store === 'kubernetes' && clusterSkipReason !== undefined)(
      `${WINDOW} events at once, ${title}`,
      { timeout: 300_000 },
      async () => {
        const github = await startGitHubServer({ pollInterval: 1 });
        let cluster: TestCluster | undefined;
        const dir = tempDir('quickcd-bench-ingest-');
        const hold = join(dir, 'hold');
        writeFileSync(hold, '');
        writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
        try {
          if (store === 'kubernetes') cluster = await startBenchCluster(NAMESPACE, { node: false });
          const where = cluster
            ? ['--kubeconfig', cluster.kubeconfigPath, '--namespace', NAMESPACE]
            : [];
          where.push('--state-dir', join(dir, 'state')); // the local executor's runs too
          const scheduler = startSchedulerProcess(
            [...where, '--store', store, '--executor', 'local'],
            {
              BENCH_HOLD: hold,
              QUICKCD_HANDLERS: join(dir, 'handlers.ts'),
              QUICKCD_GITHUB_URL: github.url,
              QUICKCD_GITHUB_TOKEN: github.token,
              QUICKCD_REPO: REPO,
              QUICKCD_POLL_INTERVAL: '1',
              QUICKCD_FAST_POLL_INTERVAL: '0',
              QUICKCD_LOG_LEVEL: 'info',
            },
          );
          try {
            await scheduler.waitForLog('polled', {}, 60_000);
            const kubeBefore = cluster?.proxy.requests.length ?? 0;
            const ids = new Set<string>();
            for (let i = 0; i < WINDOW; i++) ids.add(github.addEvent(REPO, push(i + 1)).id);
            const appeared = Date.now();
            const storedLines = () =>
              scheduler.logs.filter(
                (l) => l.msg === 'stored event' && ids.has(String(l.eventId)),
              ) as { time: number }[];
            await eventually(() => storedLines().length >= WINDOW, 'all stored', 240_000);
            const allStored = Math.max(...storedLines().map((l) => l.time));
            const firstPoll = github.requests
              .find((r) => r.at.getTime() >= appeared && r.path.includes(`/repos/${REPO}/events`))!
              .at.getTime();
            const ghRequests = github.requests.filter(
              (r) =>
                r.at.getTime() >= firstPoll &&
                r.at.getTime() <= allStored &&
                r.path.includes(`/repos/${REPO}/events`),
            ).length;
            const kubeRequests = (cluster?.proxy.requests.length ?? 0) - kubeBefore;
            if (process.env.BENCH_DEBUG && cluster) {
              const { requestBreakdown } = await import('./support/request-breakdown.js');
              console.log(requestBreakdown(cluster.proxy.requests.slice(kubeBefore)));
              console.log(
                'first stored after',
                Math.min(...storedLines().map((l) => l.time)) - firstPoll,
              );
            }

            // Stored for real, as the store itself tells.
            const count = cluster
              ? (
                  await cluster.admin.makeApiClient(CoreV1Api).listNamespacedConfigMap({
                    namespace: NAMESPACE,
                    labelSelector: `${LABEL.kind}=event`,
                  })
                ).items.length
              : (
                  await createFileStore({ stateDir: join(dir, 'state'), create: false }).listEvents(
                    { repo: REPO },
                  )
                ).length;

            const total = (allStored - appeared) / 1000;
            row({
              measure: `${title}: ${WINDOW} events appear at once → all stored`,
              result: `${total.toFixed(2)} s`,
              ...(cluster ? { target: '< 2 s', met: total < 2 } : {}),
            });
            row({
              measure: `${title}: … of which the first page request → all stored`,
              result: `${((allStored - firstPoll) / 1000).toFixed(2)} s (${ghRequests} Events API requests${cluster ? `, ${kubeRequests} Kubernetes requests` : ''})`,
            });
            expect(count).toBe(WINDOW);
          } finally {
            rmSync(hold, { force: true });
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
