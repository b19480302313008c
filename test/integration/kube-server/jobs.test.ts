import { PassThrough } from 'node:stream';
import { BatchV1Api, CoreV1Api, Log, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeServer, type KubeTestServer } from '../../support/kube-server/index.js';
import { eventually } from './helpers.js';

let server: KubeTestServer;
let core: CoreV1Api;
let batch: BatchV1Api;
const namespace = 'jobs';

beforeAll(async () => {
  server = await startKubeServer({ namespace });
  core = server.kubeConfig().makeApiClient(CoreV1Api);
  batch = server.kubeConfig().makeApiClient(BatchV1Api);
});
afterAll(async () => server.close());

function job(
  name: string,
  script: string,
  extra: Partial<NonNullable<V1Job['spec']>> = {},
  podExtra: Record<string, unknown> = {},
): V1Job {
  return {
    metadata: { name, labels: { test: 'jobs' } },
    spec: {
      backoffLimit: 0,
      ...extra,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'main', image: 'busybox', command: ['sh', '-c', script], ...podExtra },
          ],
        },
      },
    },
  };
}

async function finished(name: string): Promise<V1Job> {
  return eventually(async () => {
    const j = await batch.readNamespacedJob({ namespace, name });
    return j.status?.conditions?.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    )
      ? j
      : undefined;
  });
}

async function podOf(jobName: string): Promise<V1Pod> {
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
  });
  expect(pods.items).toHaveLength(1);
  return pods.items[0] as V1Pod;
}

describe('Job controller and node agent', () => {
  it('runs a Job to Complete with logs and a termination message', async () => {
    const created = await batch.createNamespacedJob({
      namespace,
      body: job('ok', 'echo hello; echo oops >&2; echo done > /dev/termination-log; exit 0'),
    });
    expect(created.spec?.selector?.matchLabels).toEqual({
      'batch.kubernetes.io/controller-uid': created.metadata?.uid,
    });
    const done = await finished('ok');
    expect(done.status).toMatchObject({ succeeded: 1 });
    expect(done.status?.completionTime).toBeInstanceOf(Date);
    expect(done.status?.conditions?.map((c) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    const pod = await podOf('ok');
    expect(pod.metadata?.name).toMatch(/^ok-[a-z0-9]{5}$/);
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Job',
      name: 'ok',
      uid: created.metadata?.uid,
      controller: true,
    });
    expect(pod.status?.phase).toBe('Succeeded');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
      message: 'done\n',
    });
    const log = await core.readNamespacedPodLog({ namespace, name: pod.metadata?.name ?? '' });
    expect(log).toBe('hello\noops\n');
  });

  it('runs a failing Job to Failed with BackoffLimitExceeded', async () => {
    await batch.createNamespacedJob({ namespace, body: job('bad', 'echo failing; exit 3') });
    const done = await finished('bad');
    expect(done.status?.failed).toBe(1);
    expect(done.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
    });
    const pod = await podOf('bad');
    expect(pod.status?.phase).toBe('Failed');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 3,
      reason: 'Error',
    });
  });

  it('enforces activeDeadlineSeconds by killing the process group', async () => {
    const t0 = Date.now();
    await batch.createNamespacedJob({
      namespace,
      body: job('slow', 'sleep 30 & wait', { activeDeadlineSeconds: 1 }),
    });
    const done = await finished('slow');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(done.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      reason: 'DeadlineExceeded',
    });
    const pod = await podOf('slow');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.reason).toBe('DeadlineExceeded');
  });

  it('mounts a ConfigMap volume and resolves env from a Secret', async () => {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'files' }, data: { key: 'from-configmap' } },
    });
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'creds' }, stringData: { token: 's3cret' } },
    });
    const body = job(
      'mounts',
      'cat /etc/x/key; echo " token=$TOKEN pod=$POD home-set=${HOME:+yes} user=${USER:-unset}"',
      {},
      {
        volumeMounts: [{ name: 'x', mountPath: '/etc/x', readOnly: true }],
        env: [
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
          { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
      },
    );
    body.spec!.template.spec!.volumes = [{ name: 'x', configMap: { name: 'files' } }];
    await batch.createNamespacedJob({ namespace, body });
    const done = await finished('mounts');
    expect(done.status?.succeeded).toBe(1);
    const pod = await podOf('mounts');
    expect(server.podLogs(namespace, pod.metadata?.name ?? '')).toBe(
      `from-configmap token=s3cret pod=${pod.metadata?.name} home-set=yes user=unset\n`,
    );
  });

  it('keeps a pod Pending with CreateContainerConfigError while its Secret is missing', async () => {
    await batch.createNamespacedJob({
      namespace,
      body: job(
        'nosecret',
        'echo $T',
        {},
        { env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 'later', key: 't' } } }] },
      ),
    });
    const waiting = await eventually(async () => {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'job-name=nosecret' });
      return pods.items[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason ===
        'CreateContainerConfigError'
        ? pods.items[0]
        : undefined;
    });
    expect(waiting.status?.phase).toBe('Pending');
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'later' }, stringData: { t: 'arrived' } },
    });
    await finished('nosecret');
    expect(server.podLogs(namespace, waiting.metadata?.name ?? '')).toBe('arrived\n');
  });

  it('streams logs with follow until the container exits', async () => {
    await batch.createNamespacedJob({
      namespace,
      body: job('follow', 'echo one; sleep 0.3; echo two'),
    });
    const pod = await eventually(async () => {
      const p = (await core.listNamespacedPod({ namespace, labelSelector: 'job-name=follow' }))
        .items[0];
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const ended = new Promise((resolve) => out.on('end', resolve));
    await new Log(server.kubeConfig()).log(namespace, pod.metadata?.name ?? '', 'main', out, {
      follow: true,
    });
    await ended;
    expect(text).toBe('one\ntwo\n');
  });

  it('deletes a Job and its Pods in the background, and the Job after ttlSecondsAfterFinished', async () => {
    await batch.createNamespacedJob({
      namespace,
      body: job('ttl', 'true', { ttlSecondsAfterFinished: 1 }),
    });
    await finished('ttl');
    const podName = (await podOf('ttl')).metadata?.name ?? '';
    await eventually(() =>
      server.get('jobs', namespace, 'ttl') === undefined &&
      server.get('pods', namespace, podName) === undefined
        ? true
        : undefined,
    );
    await batch.createNamespacedJob({ namespace, body: job('cascade', 'sleep 30') });
    const running = await eventually(async () => {
      const p = (await core.listNamespacedPod({ namespace, labelSelector: 'job-name=cascade' }))
        .items[0];
      return p?.status?.phase === 'Running' ? p : undefined;
    });
    await batch.deleteNamespacedJob({
      namespace,
      name: 'cascade',
      propagationPolicy: 'Background',
    });
    await eventually(() =>
      server.get('pods', namespace, running.metadata?.name ?? '') === undefined ? true : undefined,
    );
  });
});
