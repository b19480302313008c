import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { jobManifest } from '../../../scheduler/kubernetes/job-manifest.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';
import { startClusterWithNode, until, type ClusterWithNode } from './with-node.js';

// The product's own handler Job (jobManifest), under PodSecurity `restricted`, run by the node
// agent with this checkout's `quickcd runner`.
let c: ClusterWithNode;
const namespace = 'cd';

const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (payload) => { console.log('deploying', payload.ref); }, { name: 'deploy' });
`;

describeCluster('node agent: a quickcd runner Job', {}, () => {
  beforeAll(async () => {
    c = await startClusterWithNode();
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('runs quickcd runner as uid 1000 with a read-only root, and its result lands in the termination message', async () => {
    await c.core.createNamespace({
      body: {
        metadata: {
          name: namespace,
          labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
        },
      },
    });
    await c.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'quickcd-runner' }, automountServiceAccountToken: false },
    });
    const raw = makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '45000000123' });
    const eventCm = await c.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'quickcd-event' }, data: { 'event.json': JSON.stringify(raw) } },
    });
    await c.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'quickcd-handlers' }, data: { 'pipeline.mjs': HANDLERS } },
    });
    const job = jobManifest({
      spec: {
        event: {
          repo: 'acme/webapp',
          id: '45000000123',
          type: 'PushEvent',
          event: parseEvent(raw),
          status: 'pending',
          lanes: {},
          handlers: {},
          storedAt: '2026-11-20T09:00:01Z',
          late: false,
        },
        lane: 'blocking',
        attempt: 1,
        completed: [],
        timeoutSeconds: 120,
      },
      name: 'quickcd-run-1',
      namespace,
      eventConfigMap: { name: 'quickcd-event', uid: eventCm.metadata?.uid ?? '', gzip: false },
      handlersConfigMap: { name: 'quickcd-handlers', file: 'pipeline.mjs' },
      config: loadConfig({ QUICKCD_CLUSTER_ID: 'test/local/one', QUICKCD_REPO: 'acme/webapp' }),
    });
    await c.batch.createNamespacedJob({ namespace, body: job });
    const done = await until(
      () => c.batch.readNamespacedJob({ namespace, name: 'quickcd-run-1' }),
      (j) => (j.status?.succeeded ?? 0) + (j.status?.failed ?? 0) > 0,
      60_000,
    );
    const pods = await c.core.listNamespacedPod({
      namespace,
      labelSelector: 'job-name=quickcd-run-1',
    });
    const terminated = pods.items[0]?.status?.containerStatuses?.[0]?.state?.terminated;
    const { stdout } = await c.kubectl('logs', '-n', namespace, 'job/quickcd-run-1');
    expect(done.status?.succeeded, `${JSON.stringify(terminated)}\n${stdout}`).toBe(1);
    expect(stdout).toContain('deploying refs/heads/main');
    expect(terminated?.message).toContain('deploy');
  });
});
