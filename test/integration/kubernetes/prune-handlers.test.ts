// Pruning old handlers ConfigMaps against the real API server: a Job's annotation keeps its
// ConfigMap, another scheduler's ConfigMaps are never touched.
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JOB_HANDLERS_ANNOTATION } from '../../../scheduler/kubernetes/job-manifest.js';
import { LABEL, MANAGED_BY } from '../../../scheduler/kubernetes/names.js';
import { pruneHandlers } from '../../../scheduler/kubernetes/prune-handlers.js';
import { publishHandlers } from '../../../scheduler/kubernetes/publish-handlers.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { writeFiles } from '../../support/fixtures.js';

const namespace = 'prune';
const log = pino({ level: 'silent' });
let cluster: TestCluster;
let core: CoreV1Api;
let batch: BatchV1Api;

const handlersConfigMaps = async (): Promise<string[]> =>
  (
    await core.listNamespacedConfigMap({
      namespace,
      labelSelector: `${LABEL.kind}=handlers`,
    })
  ).items
    .map((cm) => cm.metadata?.name ?? '')
    .sort();

/** Publishes `content` as scheduler `scheduler`'s handlers file. */
async function publish(scheduler: string, content: string): Promise<string> {
  const files = writeFiles({ 'handlers.ts': content });
  return (
    await publishHandlers({ core, namespace, file: files.path('handlers.ts'), scheduler, log })
  ).name;
}

/** A run Job (its Pod stays Pending without a node) that mounts handlers ConfigMap `name`. */
async function jobUsing(jobName: string, handlers: string): Promise<void> {
  await batch.createNamespacedJob({
    namespace,
    body: {
      metadata: {
        name: jobName,
        labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.kind]: 'run' },
        annotations: { [JOB_HANDLERS_ANNOTATION]: handlers },
      },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            containers: [{ name: 'runner', image: 'quickcd', command: ['true'] }],
          },
        },
      },
    },
  });
}

describeCluster('pruning handlers ConfigMaps on the real API server', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace, 'baseline');
    core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    batch = cluster.kubeConfig().makeApiClient(BatchV1Api);
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('keeps the current one and those a Job mounts; deletes the rest of its own', async () => {
    const v1 = await publish('prod', "console.log('v1');\n");
    const v2 = await publish('prod', "console.log('v2');\n");
    const v3 = await publish('prod', "console.log('v3');\n");
    // another scheduler in the namespace, same content as v1: its own ConfigMap, never pruned
    const other = await publish('staging', "console.log('v1');\n");
    expect(other).not.toBe(v1);
    await jobUsing('quickcd-acme-webapp-1-b1', v1);

    const prune = () =>
      pruneHandlers({ core, batch, namespace, scheduler: 'prod', current: v3, log });
    expect((await prune()).deleted).toEqual([v2]);
    expect(await handlersConfigMaps()).toEqual([v1, v3, other].sort());

    // once the Job is gone (ttl-after-finished, or its event pruned), so is its ConfigMap
    await batch.deleteNamespacedJob({
      namespace,
      name: 'quickcd-acme-webapp-1-b1',
      propagationPolicy: 'Background',
    });
    expect((await prune()).deleted).toEqual([v1]);
    expect(await handlersConfigMaps()).toEqual([v3, other].sort());
    expect((await prune()).deleted).toEqual([]);
  });
});
