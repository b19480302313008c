import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../common/github/create-github-client.js';
import { loadConfig } from '../common/config.js';
import { addHandler, createRegistry, matchHandlers } from '../handlers/registry.js';
import { systemClock } from '../common/clock.js';
import { createScheduler } from '../scheduler/create-scheduler.js';
import { createGitHubPoller } from '../scheduler/github-poller.js';
import { createConfigMapStore } from '../scheduler/kubernetes/configmap-store.js';
import { createJobExecutor } from '../scheduler/kubernetes/job-executor.js';
import { cursorConfigMapName, LABEL } from '../scheduler/kubernetes/names.js';
import { publishHandlers } from '../scheduler/kubernetes/publish-handlers.js';
import { eventually } from '../test/support/eventually.js';
import { clusterSkipReason } from '../test/support/cluster/describe-cluster.js';
import { startTestCluster } from '../test/support/cluster/start-test-cluster.js';
import { writeFiles } from '../test/support/fixtures.js';
import { startGitHubServer } from '../test/support/github-server/index.js';

/**
 * What the scheduler costs, per event and per idle repository, measured in one run and reported
 * as ratios (these machines are shared and noisy: absolute times mean little). Kubernetes is the
 * real control plane; its requests are counted by the fault proxy in front of it, through which
 * only the code under test talks (assertions and the node agent go straight to the API server).
 */
const log = pino({ level: 'silent' });
const report: string[] = [];
const row = (what: string, value: string) => report.push(`${what.padEnd(62)} ${value}`);
afterAll(() => {
  console.log(`\nquickcd scheduler cost\n${'-'.repeat(80)}\n${report.join('\n')}\n`);
});

const github = await startGitHubServer({ pollInterval: 1 });
afterAll(() => github.close());

describe('scheduler cost', () => {
  it('idle repository: conditional polls cost no rate limit', async () => {
    const client = createGitHubClient({
      config: { githubToken: github.token, githubUrl: github.url },
      log,
    });
    const poller = createGitHubPoller({
      github: client,
      wanted: () => true,
      config: { pollInterval: 60, revalidateInterval: 600, replay: 'none' },
      log,
    });
    const repo = 'bench/idle';
    github.addEvent(repo, { type: 'WatchEvent', payload: { action: 'started' } });
    const polls = 30;
    let cursor = (await poller.poll(repo, undefined)).cursor;
    let before = github.rateLimitRemaining;
    for (let i = 0; i < polls; i++) cursor = (await poller.poll(repo, cursor)).cursor;
    const conditional = before - github.rateLimitRemaining;
    before = github.rateLimitRemaining;
    for (let i = 0; i < polls; i++) {
      const { etag: _drop, ...rest } = cursor;
      await poller.poll(repo, rest); // what a poller without ETags pays
    }
    const unconditional = before - github.rateLimitRemaining;
    row(
      'rate-limit points per idle poll, with ETag / without',
      `${conditional / polls} / ${unconditional / polls}`,
    );
    expect(unconditional).toBeGreaterThan(0);
  });

  it.skipIf(clusterSkipReason !== undefined)(
    'one API call vs one kubectl process (what the original spawned)',
    async () => {
      const cluster = await startTestCluster({ node: false });
      try {
        const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
        await core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name: 'x' }, data: { a: 'b' } },
        });
        const n = 10;
        let t = performance.now();
        for (let i = 0; i < n; i++)
          await core.readNamespacedConfigMap({ name: 'x', namespace: 'default' });
        const api = (performance.now() - t) / n;
        t = performance.now();
        for (let i = 0; i < n; i++) {
          await promisify(execFile)(join(cluster.binDir, 'kubectl'), [
            '--kubeconfig',
            cluster.kubeconfigPath,
            'get',
            'configmap',
            'x',
            '-o',
            'json',
          ]);
        }
        const spawned = (performance.now() - t) / n;
        row('time of a kubectl get process / a client-node call', `${(spawned / api).toFixed(0)}x`);
      } finally {
        await cluster.stop();
      }
    },
  );

  it.skipIf(clusterSkipReason !== undefined)(
    'Kubernetes and GitHub requests per event, and per idle minute',
    async () => {
      const kube = await startTestCluster();
      await kube.createNamespace('cd', 'restricted');
      const admin = kube.admin.makeApiClient(CoreV1Api);
      await admin.createNamespacedServiceAccount({
        namespace: 'cd',
        body: { metadata: { name: 'quickcd-runner' }, automountServiceAccountToken: false },
      });
      const kubeConfig = kube.kubeConfig();
      const files = writeFiles({
        'handlers.ts':
          "import { on } from 'quickcd';\non('PushEvent', async () => {}, { name: 'deploy' });\n",
      });
      const registry = createRegistry();
      addHandler(registry, 'PushEvent', async () => {}, { name: 'deploy' });
      const config = loadConfig({ QUICKCD_GITHUB_URL: github.url, QUICKCD_CLUSTER_ID: 'bench' });
      const store = createConfigMapStore({ kubeConfig, namespace: 'cd', log });
      const handlers = await publishHandlers({
        core: kubeConfig.makeApiClient(CoreV1Api),
        namespace: 'cd',
        file: files.path('handlers.ts'),
        scheduler: config.leaseName,
        log,
      });
      const repo = 'bench/events';
      const client = createGitHubClient({
        config: { githubToken: github.token, githubUrl: github.url },
        log,
      });
      const stop = new AbortController();
      const done = createScheduler({
        repos: [repo],
        source: createGitHubPoller({
          github: client,
          wanted: (e) => matchHandlers(registry, e).handlers.length > 0,
          config: { pollInterval: 1, revalidateInterval: 600, replay: 'none' },
          log,
        }),
        store,
        executor: createJobExecutor({ kubeConfig, namespace: 'cd', config, handlers, log }),
        leadership: { acquire: async () => new AbortController().signal, release: async () => {} },
        registry,
        config: { ...config, pollInterval: 1 },
        log,
        clock: systemClock,
      }).run(stop.signal);
      try {
        await eventually(
          () => kube.get('v1', 'ConfigMap', 'cd', cursorConfigMapName(repo)),
          'first poll',
          30_000,
        );
        const requests = kube.proxy.requests;
        const events = 8;
        const kubeBefore = requests.length;
        const ghBefore = github.requests.length;
        const ids = [];
        for (let i = 0; i < events; i++) {
          ids.push(
            github.addEvent(repo, {
              type: 'PushEvent',
              payload: {
                ref: 'refs/heads/main',
                head: 'a'.repeat(40),
                before: '0'.repeat(40),
                push_id: 1,
                repository_id: 1,
              },
            }).id,
          );
        }
        // Checked straight at the API server, not through the proxy: only the scheduler's requests
        // count.
        const handled = async () =>
          (await admin.listNamespacedConfigMap({ namespace: 'cd' })).items.filter(
            (c: V1ConfigMap) => c.metadata?.labels?.[LABEL.status] === 'handled',
          ).length;
        await eventually(async () => (await handled()) === events, 'all handled', 240_000);
        if (process.env.BENCH_DEBUG) console.log(breakdown(requests.slice(kubeBefore)));
        const kubePerEvent = (requests.length - kubeBefore) / events;
        const ghPerEvent = (github.requests.length - ghBefore) / events;
        row(
          'Kubernetes API requests per event (store, Job, watch, result)',
          kubePerEvent.toFixed(1),
        );
        row('GitHub API requests per event made by the scheduler (polls)', ghPerEvent.toFixed(1));

        const idleMs = 10_000;
        await new Promise((r) => setTimeout(r, 2000)); // let the last run's bookkeeping settle
        const k0 = requests.length;
        const g0 = github.requests.length;
        const points0 = github.rateLimitRemaining;
        await new Promise((r) => setTimeout(r, idleMs));
        if (process.env.BENCH_DEBUG) console.log(breakdown(requests.slice(k0)));
        const perMinute = (n: number) => ((n * 60_000) / idleMs).toFixed(1);
        row(
          'idle: Kubernetes requests per minute (1 s poll interval)',
          perMinute(requests.length - k0),
        );
        row(
          'idle: GitHub requests per minute / rate-limit points per minute',
          `${perMinute(github.requests.length - g0)} / ${perMinute(points0 - github.rateLimitRemaining)}`,
        );
      } finally {
        stop.abort();
        await done;
        await kube.stop();
      }
    },
  );
});

/** Requests by method and path (names of events and Jobs folded), most frequent first. */
function breakdown(requests: readonly { method: string; path: string }[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const [pathOnly = '', query = ''] = r.path.split('?');
    const path = pathOnly
      .replace(/-\d{2,}(-[bn]\d+)?/g, '-<id>$1'.replace('$1', ''))
      .replace(/-[a-z0-9]{5}$/, '-<pod>');
    const key = `${r.method} ${path}${/(^|&)watch=true/.test(query) ? ' (watch)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${String(n).padStart(5)} ${k}`)
    .join('\n');
}
