import { readFileSync } from 'node:fs';
import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../handlers/event.js';
import { newStoredEvent } from '../scheduler/event-state.js';
import { createFileStore } from '../scheduler/file-store.js';
import { eventToConfigMap } from '../scheduler/kubernetes/event-configmap.js';
import { clusterSkipReason } from '../test/support/cluster/describe-cluster.js';
import type { TestCluster } from '../test/support/cluster/start-test-cluster.js';
import type { StoredEvent } from '../scheduler/ports/event-store.js';
import { eventually } from '../test/support/eventually.js';
import { makeEvent, pushPayload, writeFiles } from '../test/support/fixtures.js';
import { startGitHubServer } from '../test/support/github-server/index.js';
import { startSchedulerProcess } from '../test/support/scheduler-process.js';
import { startBenchCluster } from './support/bench-cluster.js';
import { benchReport } from './support/bench-report.js';

/**
 * The scheduler's resident memory (RSS, from /proc) once it has loaded and polled, and again
 * after 30 s of idling (what start-up read may be given back by then):
 * with an empty store, and with 10,000 handled events of history kept (QUICKCD_RETENTION_*
 * large enough that none is pruned). Embedded (file store and local executor), and with the
 * ConfigMap store and Jobs against the real API server (BENCH_KUBE_HISTORY handled event
 * ConfigMaps, default 10,000, created beforehand straight at the API server).
 */
const row = benchReport('Scheduler memory');
const REPO = 'bench/memory';
const NAMESPACE = 'bench';
const KUBE_HISTORY = Number(process.env.BENCH_KUBE_HISTORY ?? 10_000);
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async () => {}, { name: 'noop' });
`;

describe('scheduler memory', () => {
  it('RSS idle, with an empty store and with 10,000 handled events kept', async () => {
    const github = await startGitHubServer({ pollInterval: 1 });
    try {
      github.addEvent(REPO, { type: 'WatchEvent', payload: { action: 'started' } });
      const empty = await idleRss(github, 0);
      const full = await idleRss(github, 10_000);
      const delta = (n: number) => `${n >= 0 ? '+' : ''}${n} MB`;
      row({
        measure: 'scheduler RSS, idle, one repository, empty store',
        result: `${empty.idle} MB (${empty.settled} MB just after start)`,
        target: '< 80 MB',
        met: empty.idle < 80,
      });
      row({
        measure: 'scheduler RSS, idle, with 10,000 handled events kept',
        result:
          `${full.idle} MB (${delta(full.idle - empty.idle)}; just after start ` +
          `${full.settled} MB, ${delta(full.settled - empty.settled)})`,
        target: 'flat (< +10 MB)',
        met: full.idle - empty.idle < 10,
      });
      expect(empty.idle).toBeGreaterThan(0);
    } finally {
      await github.close();
    }
  });

  it.skipIf(clusterSkipReason !== undefined)(
    'RSS idle with the ConfigMap store and Jobs, empty and with handled events kept',
    { timeout: 900_000 },
    async () => {
      const github = await startGitHubServer({ pollInterval: 1 });
      let cluster: TestCluster | undefined;
      try {
        github.addEvent(REPO, { type: 'WatchEvent', payload: { action: 'started' } });
        cluster = await startBenchCluster(NAMESPACE, { node: false });
        const kube = ['--kubeconfig', cluster.kubeconfigPath, '--namespace', NAMESPACE];
        const empty = await idleRss(github, 0, kube);
        const core = cluster.admin.makeApiClient(CoreV1Api);
        const started = Date.now();
        const ids = Array.from({ length: KUBE_HISTORY }, (_, i) => i);
        for (let i = 0; i < ids.length; i += 25) {
          await Promise.all(
            ids.slice(i, i + 25).map((n) =>
              core.createNamespacedConfigMap({
                namespace: NAMESPACE,
                body: eventToConfigMap(handled(storedPush(n))),
              }),
            ),
          );
        }
        const seeded = (Date.now() - started) / 1000;
        const full = await idleRss(github, 0, kube);
        const delta = (n: number) => `${n >= 0 ? '+' : ''}${n} MB`;
        row({
          measure: 'scheduler RSS, idle, one repository, ConfigMap store and Jobs, empty',
          result: `${empty.idle} MB (${empty.settled} MB just after start)`,
          target: '< 80 MB',
          met: empty.idle < 80,
        });
        row({
          measure: `scheduler RSS, idle, ConfigMap store and Jobs, ${KUBE_HISTORY.toLocaleString('en')} handled event ConfigMaps kept`,
          result:
            `${full.idle} MB (${delta(full.idle - empty.idle)}; just after start ` +
            `${full.settled} MB, ${delta(full.settled - empty.settled)}; seeded in ${seeded.toFixed(0)} s)`,
          target: 'flat (< +10 MB)',
          met: full.idle - empty.idle < 10,
        });
        expect(empty.idle).toBeGreaterThan(0);
      } finally {
        await github.close();
        await cluster?.stop();
      }
    },
  );
});

function storedPush(i: number): StoredEvent {
  const event = parseEvent(
    makeEvent('PushEvent', pushPayload('refs/heads/main'), {
      id: String(50_000_000_000 + i),
      repo: REPO,
    }),
  );
  return newStoredEvent(event, [{ name: 'noop', blocking: true }], new Date());
}

async function idleRss(
  github: Awaited<ReturnType<typeof startGitHubServer>>,
  history: number,
  /** Kubernetes flags (ConfigMap store, Jobs); the file store and local executor without. */
  kube?: readonly string[],
): Promise<{ settled: number; idle: number }> {
  const f = writeFiles({ 'handlers.ts': HANDLERS });
  const stateDir = f.path('state');
  if (history > 0) {
    const store = createFileStore({ stateDir });
    for (let i = 0; i < history; i++) await store.putEvent(handled(storedPush(i)));
  }
  const scheduler = startSchedulerProcess(
    kube ?? ['--store', 'file', '--executor', 'local', '--state-dir', stateDir],
    {
      QUICKCD_GITHUB_TOKEN: github.token,
      QUICKCD_GITHUB_URL: github.url,
      QUICKCD_REPO: REPO,
      QUICKCD_HANDLERS: f.path('handlers.ts'),
      QUICKCD_RETENTION_DAYS: '3650',
      QUICKCD_RETENTION_COUNT: '100000',
      QUICKCD_LOG_LEVEL: 'info',
      QUICKCD_POLL_INTERVAL: '1',
    },
  );
  try {
    // Two polls: everything a pass loads is loaded, and the store has been read.
    await scheduler.waitForLog('polled', {}, 60_000);
    const polls = () => scheduler.logs.filter((l) => l.msg === 'polled').length;
    const start = polls();
    await eventually(() => polls() > start + 1, 'two more polls', 60_000);
    const settled = rss(scheduler.child.pid!);
    // Idle a while longer: what the start-up (reading the store) left is given back or not.
    // RSS moves with each collection (the heap grows until V8 collects): the idle figure is the
    // median of a sample a second, not one reading.
    const more = polls();
    const samples: number[] = [];
    await eventually(
      async () => {
        samples.push(rss(scheduler.child.pid!));
        if (polls() > more + IDLE_POLLS) return true;
        await new Promise((r) => setTimeout(r, 1000));
        return false;
      },
      `${IDLE_POLLS} more polls`,
      120_000,
    );
    const sorted = samples.sort((a, b) => a - b);
    return { settled, idle: sorted[Math.floor(sorted.length / 2)]! };
  } finally {
    await scheduler.stop();
  }
}

/** Polls (1 s apart) between the settled and the idle figure. */
const IDLE_POLLS = 30;

function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024);
}

function handled(stored: StoredEvent): StoredEvent {
  const at = new Date().toISOString();
  return {
    ...stored,
    status: 'handled',
    lanes: { blocking: { status: 'handled', attempts: 1, lastRunAt: at } },
    handlers: { noop: { lane: 'blocking', status: 'complete', attempts: 1, completedAt: at } },
  };
}
