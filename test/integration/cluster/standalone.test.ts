import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/fixtures.js';
import { REPO_ROOT } from '../../support/run-cli.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describeCluster('npm run test-cluster', { timeout: 120_000 }, () => {
  it('--print-bin-dir prints only the directory of the binaries', async () => {
    const child = spawn('npm', ['run', '-s', 'test-cluster', '--', '--print-bin-dir'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    expect(out).toMatch(/^\/\S+\n$/);
    expect(out.trim()).not.toContain(REPO_ROOT);
  });

  it('starts the control plane and the node, writes the kubeconfig, runs Pods, stops on SIGTERM', async () => {
    const dir = tempDir('quickcd-standalone-');
    dirs.push(dir);
    const kubeconfig = join(dir, 'kubeconfig');
    const child = spawn(
      process.execPath,
      ['test/support/cluster/standalone.mjs', '--kubeconfig', kubeconfig, '--namespace', 'solo'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = once(child, 'exit');
    try {
      const [first] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      expect(first).toMatch(
        /^Kubernetes test cluster ready at https:\/\/127\.0\.0\.1:\d+ \(binaries: \/\S+\)$/,
      );
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfig);
      expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('solo');
      const batch = kc.makeApiClient(BatchV1Api);
      await batch.createNamespacedJob({
        namespace: 'default',
        body: {
          metadata: { name: 'hello' },
          spec: {
            backoffLimit: 0,
            template: {
              spec: {
                restartPolicy: 'Never',
                containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 0'] }],
              },
            },
          },
        },
      });
      await eventually(
        async () =>
          (await batch.readNamespacedJob({ namespace: 'default', name: 'hello' })).status
            ?.succeeded === 1,
        'the Job succeeded',
        60_000,
      );
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      // Everything stopped with it: nothing listens on the API server's port any more.
      const port = Number(/:(\d+) /.exec(first)?.[1]);
      const refused = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect(refused).toBe('ECONNREFUSED');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
