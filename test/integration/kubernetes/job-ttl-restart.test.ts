import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { addHandler, createRegistry } from '../../../handlers/registry.js';
import { systemClock } from '../../../common/clock.js';
import { createScheduler } from '../../../scheduler/create-scheduler.js';
import { createConfigMapStore } from '../../../scheduler/kubernetes/configmap-store.js';
import { createJobExecutor } from '../../../scheduler/kubernetes/job-executor.js';
import { LABEL } from '../../../scheduler/kubernetes/names.js';
import {
  publishHandlers,
  type PublishedHandlers,
} from '../../../scheduler/kubernetes/publish-handlers.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { queuedSource } from '../../support/scheduler-fakes.js';

// Issue 10: a scheduler down longer than QUICKCD_JOB_TTL_SECONDS. The TTL controller must not
// take the finished Job (nor its Pod, whose status carries the result) before the restarted
// scheduler records the outcome: recorded once, nothing launched again.
const namespace = 'ttl';
const repo = 'acme/webapp';
const log = pino({ level: 'silent' });
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async () => { console.log('deployed'); }, { name: 'deploy' });
`;
const config = loadConfig({
  QUICKCD_CLUSTER_ID: 'test/local/ttl',
  QUICKCD_GITHUB_URL: 'http://127.0.0.1:9/api/v3',
  QUICKCD_JOB_TTL_SECONDS: '1',
});
const registry = createRegistry();
addHandler(registry, 'PushEvent', () => {}, { name: 'deploy' });

let cluster: TestCluster;
let kubeConfig: KubeConfig;
let batch: BatchV1Api;
let core: CoreV1Api;
let handlers: PublishedHandlers;

function scheduler(source = queuedSource()) {
  const stop = new AbortController();
  const done = createScheduler({
    repos: [repo],
    source: source.source,
    store: createConfigMapStore({ kubeConfig, namespace, log }),
    executor: createJobExecutor({ kubeConfig, namespace, config, handlers, log }),
    leadership: { acquire: async () => new AbortController().signal, release: async () => {} },
    registry,
    config: { ...config, pollInterval: 3600 },
    log,
    clock: systemClock,
  }).run(stop.signal);
  return { source, stop: () => (stop.abort(), done) };
}

const jobs = async () =>
  (await batch.listNamespacedJob({ namespace, labelSelector: `${LABEL.kind}=run` })).items;
const pods = async () =>
  (await core.listNamespacedPod({ namespace, labelSelector: `${LABEL.kind}=run` })).items;
const finished = (job: V1Job) => job.status?.conditions?.some((c) => c.status === 'True');

describeCluster('a scheduler down longer than the Job TTL', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace, 'restricted');
    kubeConfig = cluster.kubeConfig();
    batch = cluster.admin.makeApiClient(BatchV1Api);
    core = cluster.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace,
      body: {
        metadata: { name: config.runnerServiceAccount },
        automountServiceAccountToken: false,
      },
    });
    handlers = await publishHandlers({
      core: kubeConfig.makeApiClient(CoreV1Api),
      namespace,
      file: writeFiles({ 'handlers.ts': HANDLERS }).path('handlers.ts'),
      scheduler: 'quickcd',
      log,
    });
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('records the outcome once after the restart; nothing is launched again', async () => {
    const first = scheduler();
    first.source.push(makeEvent('PushEvent', pushPayload('refs/heads/main'), { repo, id: '42' }));
    const [job] = await eventually(async () => ((await jobs()).length > 0 ? jobs() : undefined));
    // The scheduler stops while the Job runs (what a crash leaves; a Job outlives it).
    await first.stop();
    const store = createConfigMapStore({ kubeConfig, namespace, log });
    expect((await store.getEvent('42', repo))?.lanes.blocking?.status).toBe('running');
    // The Job finishes, and its TTL (1 s) passes: the TTL controller deletes it (the Job stays,
    // held by quickcd's finalizer, with its Pod; without it both would be gone now).
    const name = job!.metadata!.name!;
    await eventually(
      async () => {
        const j = (await jobs()).find((x) => x.metadata?.name === name);
        return !j || (finished(j) && j.metadata?.deletionTimestamp !== undefined);
      },
      'the TTL controller deleting the finished Job',
      60_000,
    );
    const posts = () =>
      cluster.proxy.requests.filter((r) => r.method === 'POST' && r.path.includes('/jobs')).length;
    const launched = posts();
    const second = scheduler();
    const event = await eventually(
      async () => {
        const e = await store.getEvent('42', repo);
        return e?.status === 'handled' ? e : undefined;
      },
      'the outcome recorded by the restarted scheduler',
      60_000,
    );
    expect(event.lanes.blocking).toMatchObject({ status: 'handled', attempts: 1, launch: name });
    expect(event.handlers.deploy).toMatchObject({ status: 'complete', attempts: 1 });
    expect(event.handlers.deploy?.error).toBeUndefined(); // its own result, not "no result"
    // Released once recorded: the TTL controller's deletion completes, Pod and Job.
    await eventually(async () => (await jobs()).length === 0, 'the Job gone', 60_000);
    await eventually(async () => (await pods()).length === 0, 'the Pod gone', 60_000);
    await second.stop();
    expect(posts()).toBe(launched); // nothing launched again
  });
});
