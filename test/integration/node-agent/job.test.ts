import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startClusterWithNode, until, type ClusterWithNode } from './with-node.js';

let c: ClusterWithNode;

const namespace = 'default';
const jobPod = async (job: string): Promise<V1Pod | undefined> =>
  (await c.core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` })).items[0];

describeCluster('node agent: a Job on the real control plane', {}, () => {
  beforeAll(async () => {
    c = await startClusterWithNode();
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('registers a Ready node with its kubelet endpoint', async () => {
    const node = await c.core.readNode({ name: c.agent.nodeName });
    expect(node.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
    expect(node.status?.daemonEndpoints?.kubeletEndpoint?.Port).toBe(c.agent.port);
    expect(node.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    // bwrap where it works (CI installs bubblewrap); otherwise remap, said loudly.
    if (c.agent.sandbox === 'remap') expect(c.logs.join('\n')).toMatch(/REMAP mode/);
    else expect(c.agent.sandbox).toBe('bwrap');
  });

  it('runs sh -c, ends Failed with the exit code and the termination message', async () => {
    await c.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'fails' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'main',
                  image: 'busybox',
                  command: ['sh', '-c', 'echo hi; echo msg > /dev/termination-log; exit 3'],
                },
              ],
            },
          },
        },
      },
    });
    const pod = await until(
      () => jobPod('fails'),
      (p) => p?.status?.phase === 'Failed',
    );
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated).toMatchObject({ exitCode: 3, reason: 'Error', message: 'msg\n' });
    expect(pod?.spec?.nodeName).toBe(c.agent.nodeName);
    const job = await until(
      () => c.batch.readNamespacedJob({ namespace, name: 'fails' }),
      (j) => (j.status?.failed ?? 0) === 1,
    );
    expect(job.status?.conditions?.map((x) => x.type)).toContain('Failed');
    const { stdout } = await c.kubectl('logs', 'job/fails');
    expect(stdout).toBe('hi\n');
  });
});
