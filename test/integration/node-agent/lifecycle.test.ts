import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, Watch, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startClusterWithNode, until, type ClusterWithNode } from './with-node.js';

let c: ClusterWithNode;
const namespace = 'default';

const gone = (name: string): Promise<unknown> =>
  until(
    () =>
      c.core.readNamespacedPod({ namespace, name }).then(
        () => false,
        (e: { code?: number }) => e.code === 404,
      ),
    (v) => v,
    30_000,
  );
const pod = (
  name: string,
  spec: Partial<NonNullable<V1Pod['spec']>>,
  command: string,
  hostDir?: string,
): V1Pod => ({
  metadata: { name },
  spec: {
    restartPolicy: 'Never',
    containers: [
      {
        name: 'main',
        image: 'busybox',
        command: ['sh', '-c', command],
        ...(hostDir ? { volumeMounts: [{ name: 'out', mountPath: '/out' }] } : {}),
      },
    ],
    ...(hostDir ? { volumes: [{ name: 'out', hostPath: { path: hostDir } }] } : {}),
    ...spec,
  },
});
/** Every version of the Pod seen by a watch (from now on). */
async function podVersions(name: string): Promise<{ seen: V1Pod[]; stop: () => void }> {
  const seen: V1Pod[] = [];
  const controller = await new Watch(c.kc).watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { fieldSelector: `metadata.name=${name}` },
    (_type: string, obj: V1Pod) => seen.push(obj),
    () => undefined,
  );
  return { seen, stop: () => controller.abort() };
}

/** True while a process with this pid exists. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const running = (name: string): Promise<V1Pod> =>
  until(
    () => c.core.readNamespacedPod({ namespace, name }),
    (p) => p.status?.phase === 'Running',
  );

describeCluster('node agent: lifecycle on the real control plane', {}, () => {
  beforeAll(async () => {
    c = await startClusterWithNode();
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('graceful deletion: SIGTERM to the process group, final status reported, then the Pod object deleted', async () => {
    const host = await mkdtemp(join(tmpdir(), 'quickcd-graceful-'));
    const versions = await podVersions('graceful');
    await c.core.createNamespacedPod({
      namespace,
      body: pod(
        'graceful',
        { terminationGracePeriodSeconds: 30 },
        "sleep 600 & echo $! > /out/child; trap 'echo got TERM > /out/term; exit 0' TERM; echo started; while true; do sleep 0.1; done",
        host,
      ),
    });
    await until(
      () => c.core.readNamespacedPodLog({ namespace, name: 'graceful' }),
      (l) => l.includes('started'),
    );
    const p = await running('graceful');
    expect(p.status?.conditions?.find((x) => x.type === 'Ready')?.status).toBe('True');
    const child = Number(await readFile(join(host, 'child'), 'utf8'));
    expect(alive(child)).toBe(true);
    await c.core.deleteNamespacedPod({ namespace, name: 'graceful' });
    await gone('graceful');
    versions.stop();
    expect(await readFile(join(host, 'term'), 'utf8')).toBe('got TERM\n');
    expect(alive(child)).toBe(false);
    const last = versions.seen.filter((v) => v.status?.phase).at(-1);
    expect(last?.status?.phase).toBe('Succeeded');
    expect(last?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
  });

  it('graceful deletion: SIGKILL after the grace period (capped by maxGraceSeconds) when TERM is ignored', async () => {
    await c.core.createNamespacedPod({
      namespace,
      body: pod(
        'stubborn',
        { terminationGracePeriodSeconds: 2 },
        "trap '' TERM; echo started; while true; do sleep 0.1; done",
      ),
    });
    await running('stubborn');
    await until(
      () => c.core.readNamespacedPodLog({ namespace, name: 'stubborn' }),
      (l) => l.includes('started'),
    );
    const started = Date.now();
    await c.core.deleteNamespacedPod({ namespace, name: 'stubborn' });
    await gone('stubborn');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a Job past activeDeadlineSeconds: the real Job controller deletes its Pod, the process is killed', async () => {
    const host = await mkdtemp(join(tmpdir(), 'quickcd-deadline-'));
    await c.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'deadline' },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: 2,
          template: pod(
            'x',
            { terminationGracePeriodSeconds: 1 },
            'echo $$ > /out/pid; exec sleep 600',
            host,
          ),
        },
      },
    });
    const job = await until(
      () => c.batch.readNamespacedJob({ namespace, name: 'deadline' }),
      (j) => (j.status?.conditions ?? []).some((x) => x.type === 'Failed' && x.status === 'True'),
      30_000,
    );
    expect(job.status?.conditions?.find((x) => x.type === 'Failed')?.reason).toBe(
      'DeadlineExceeded',
    );
    await until(
      () => c.core.listNamespacedPod({ namespace, labelSelector: 'job-name=deadline' }),
      (l) => l.items.length === 0,
      30_000,
    );
    expect(alive(Number(await readFile(join(host, 'pid'), 'utf8')))).toBe(false);
  });

  it("a Deployment's Pod runs (restartPolicy Always) and is restarted with a growing restartCount", async () => {
    const apps = c.kc.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [
                {
                  name: 'web',
                  image: 'busybox',
                  command: ['sh', '-c', 'echo run; sleep 0.3; exit 1'],
                },
              ],
            },
          },
        },
      },
    });
    const p = await until(
      () => c.core.listNamespacedPod({ namespace, labelSelector: 'app=web' }),
      (l) => (l.items[0]?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      30_000,
    );
    const status = p.items[0]?.status?.containerStatuses?.[0];
    expect(status?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(p.items[0]?.status?.phase).toBe('Running');
    const name = p.items[0]?.metadata?.name ?? '';
    const previous = await c.kubectl('logs', name, '--previous');
    expect(previous.stdout).toBe('run\n');
    await apps.deleteNamespacedDeployment({ namespace, name: 'web' });
    await gone(name);
  });

  it('kubectl logs through the API server: follow, tail, timestamps, limit', async () => {
    await c.core.createNamespacedPod({
      namespace,
      body: pod(
        'chatty',
        {},
        'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done; printf partial',
      ),
    });
    const followed = await c.kubectl('logs', '-f', 'chatty');
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\npartial');
    expect((await c.kubectl('logs', 'chatty', '--tail=2')).stdout).toBe('line 5\npartial');
    expect((await c.kubectl('logs', 'chatty', '--limit-bytes=8')).stdout).toBe('line 1\nl');
    const stamped = (await c.kubectl('logs', 'chatty', '--timestamps', '--tail=1')).stdout;
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z partial$/);
  });

  it('automountServiceAccountToken=false: no token in the container', async () => {
    await c.core.createNamespacedPod({
      namespace,
      body: pod(
        'no-token',
        { automountServiceAccountToken: false },
        'ls /var/run/secrets/kubernetes.io/serviceaccount 2>&1 || echo none',
      ),
    });
    await until(
      () => c.core.readNamespacedPod({ namespace, name: 'no-token' }),
      (p) => p.status?.phase === 'Succeeded',
    );
    expect(await c.core.readNamespacedPodLog({ namespace, name: 'no-token' })).toMatch(
      /No such file or directory\nnone\n$/,
    );
  });
});
