import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startKubeServer } from '../../support/kube-server/index.js';
import { eventually } from './helpers.js';

const launcher = fileURLToPath(
  new URL('../../support/kube-server/standalone.mjs', import.meta.url),
);
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('standalone server', () => {
  it('prints one ready line, serves the kubeconfig it wrote and exits on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kube-standalone-'));
    dirs.push(dir);
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(
      process.execPath,
      [launcher, '--kubeconfig', kubeconfig, '--namespace', 'solo'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'exit');
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      expect(first).toMatch(/^Kubernetes API test server listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = first.replace('Kubernetes API test server listening on ', '');
      expect(await readFile(kubeconfig, 'utf8')).toContain(`server: "${url}"`);
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('solo');
      const created = await kc
        .makeApiClient(CoreV1Api)
        .createNamespacedConfigMap({ namespace: 'solo', body: { metadata: { name: 'x' } } });
      expect(created.metadata?.namespace).toBe('solo');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('quickcd command mapping', () => {
  it('runs this checkout’s quickcd for a container command starting with quickcd, with rewritten paths', async () => {
    const server = await startKubeServer({
      quickcdCommand: ['sh', '-c', 'echo "quickcd $*"; echo ok > "$3"', 'quickcd'],
    });
    try {
      const batch = server.kubeConfig().makeApiClient(BatchV1Api);
      await batch.createNamespacedJob({
        namespace: 'default',
        body: {
          metadata: { name: 'runner' },
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [
                  {
                    name: 'r',
                    image: 'quickcd:base',
                    command: ['quickcd', 'runner', '--event', '/dev/termination-log'],
                  },
                ],
              },
            },
          },
        },
      });
      const pod = await eventually(() =>
        server
          .list('pods', 'default')
          .find((p) => (p.status as { phase?: string } | undefined)?.phase === 'Succeeded'),
      );
      const name = pod.metadata.name ?? '';
      expect(server.podLogs('default', name)).toBe(
        `quickcd runner --event ${join(server.workDir, 'default', name, 'root')}/dev/termination-log\n`,
      );
      const state = (
        pod.status as { containerStatuses: { state: { terminated: { message: string } } }[] }
      ).containerStatuses[0]?.state;
      expect(state?.terminated.message).toBe('ok\n');
    } finally {
      await server.close();
    }
  });
});
