import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { E2eCluster } from './e2e-cluster.js';
import { REPO_ROOT } from '../../support/run-cli.js';

export const CHART = join(REPO_ROOT, 'charts', 'quickcd');

/** Installs (or upgrades) the chart as release `quickcd` in `namespace` with `values`. */
export async function helmQuickcd(
  cluster: E2eCluster,
  namespace: string,
  values: Record<string, unknown>,
  verb: 'install' | 'upgrade' = 'install',
): Promise<void> {
  const file = join(cluster.dir, `values-${namespace}-${Date.now()}.json`);
  await writeFile(file, JSON.stringify(values));
  const out = await cluster.helm([verb, 'quickcd', CHART, '--namespace', namespace, '-f', file]);
  expect(out.code, `helm ${verb}: ${out.stderr}`).toBe(0);
}

/** The scheduler Pods of the release, running ones first. */
export async function schedulerPods(cluster: E2eCluster, namespace: string): Promise<V1Pod[]> {
  const { items } = await cluster.admin.makeApiClient(CoreV1Api).listNamespacedPod({
    namespace,
    labelSelector: 'app.kubernetes.io/component=scheduler',
  });
  return items.filter((p) => !p.metadata?.deletionTimestamp);
}

/** The scheduler's log lines (pino JSON) of a Pod's current container, through the API server. */
export async function schedulerLogs(
  cluster: E2eCluster,
  namespace: string,
  pod: string,
  previous = false,
): Promise<Record<string, unknown>[]> {
  const text = await cluster.admin
    .makeApiClient(CoreV1Api)
    .readNamespacedPodLog({ namespace, name: pod, previous })
    .catch(() => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * The host PID of the `quickcd scheduler` process of a Pod (the node agent runs containers as
 * local processes; their environment names the Pod).
 */
export async function schedulerPid(pod: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('quickcd.js\0scheduler')) continue;
      const environ = await readFile(`/proc/${entry}/environ`, 'utf8');
      if (environ.split('\0').includes(`POD_NAME=${pod}`)) return Number(entry);
    } catch {
      // gone, or not ours
    }
  }
  return undefined;
}
