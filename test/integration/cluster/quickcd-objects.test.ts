import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { createConfigMapStore } from '../../../scheduler/kubernetes/configmap-store.js';
import { createJobExecutor } from '../../../scheduler/kubernetes/job-executor.js';
import { publishHandlers } from '../../../scheduler/kubernetes/publish-handlers.js';
import type { EventStore, StoredEvent } from '../../../scheduler/ports/event-store.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { waitForRun } from '../../support/wait-for-run.js';

// quickcd's data model is a stable interface: people read it with kubectl. What the home-made
// server's kubectl tests checked of the server itself is Kubernetes' business now; what is
// left is that quickcd's own objects, as the store and the executor make them, read as
// documented with the real kubectl against the real API server.
const namespace = 'objects';
const repo = 'acme/webapp';
const log = pino({ level: 'silent' });
let cluster: TestCluster;
let store: EventStore;
let jobName: string;
const eventId = '48000000001';

function stored(id: string, status: StoredEvent['status']): StoredEvent {
  const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id, repo }));
  return {
    repo,
    id,
    type: 'PushEvent',
    event,
    status,
    lanes: {},
    handlers: {},
    storedAt: '2026-11-20T09:00:05.000Z',
    late: false,
  };
}

async function kubectl(...args: string[]): Promise<string> {
  const r = await cluster.kubectl(['-n', namespace, ...args]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

describeCluster("kubectl and quickcd's objects on the real API server", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace, 'restricted');
    const kubeConfig = cluster.kubeConfig();
    store = createConfigMapStore({ kubeConfig, namespace, log });
    await store.putEvent(stored(eventId, 'pending'));
    await store.putEvent(stored('48000000002', 'failed'));
    await store.putEvent(stored('48000000003', 'handled'));
    await cluster.admin.makeApiClient(CoreV1Api).createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: 'quickcd-runner' }, automountServiceAccountToken: false },
    });
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p) => { console.log('deploying ' + p.ref); }, { name: 'deploy' });
`,
    });
    const handlers = await publishHandlers({
      core: kubeConfig.makeApiClient(CoreV1Api),
      namespace,
      file: f.path('handlers.ts'),
      scheduler: 'quickcd-scheduler',
      log,
    });
    const executor = createJobExecutor({
      kubeConfig,
      namespace,
      config: loadConfig({ QUICKCD_CLUSTER_ID: 'test/local/objects' }),
      handlers,
      log,
    });
    const spec = {
      event: stored(eventId, 'running'),
      lane: 'blocking',
      attempt: 1,
      completed: [],
      timeoutSeconds: 60,
    } as const;
    const launch = await executor.launch(spec);
    jobName = launch.name;
    const outcome = await waitForRun(executor, spec);
    await executor.release?.(spec);
    if (!outcome.ok) throw new Error(`the Job failed: ${JSON.stringify(outcome)}`);
  }, 180_000);
  afterAll(async () => cluster?.stop());

  it('lists event ConfigMaps by kind and status with label selectors', async () => {
    const table = await kubectl(
      'get',
      'configmaps',
      '-l',
      'quickcd.dev/kind=event',
      '-L',
      'quickcd.dev/status',
    );
    expect(table.split('\n')[0]).toMatch(/^NAME\s+DATA\s+AGE\s+STATUS$/);
    expect(table).toMatch(
      new RegExp(`^quickcd-acme-webapp-${eventId}\\s+1\\s+\\S+\\s+pending$`, 'm'),
    );
    expect(table).toMatch(/^quickcd-acme-webapp-48000000002\s+1\s+\S+\s+failed$/m);
    expect(table).not.toContain('handlers');
    const open = await kubectl(
      'get',
      'cm',
      '-l',
      'quickcd.dev/kind=event,quickcd.dev/status in (pending,failed)',
      '-o',
      'name',
    );
    expect(open.trim().split('\n').sort()).toEqual([
      `configmap/quickcd-acme-webapp-${eventId}`,
      'configmap/quickcd-acme-webapp-48000000002',
    ]);
    const described = await kubectl('describe', 'configmap', `quickcd-acme-webapp-${eventId}`);
    expect(described).toMatch(/quickcd\.dev\/event-type=PushEvent/);
    expect(described).toMatch(/quickcd\.dev\/repo=acme\.webapp/);
    expect(described).toContain('event.json');
  });

  it('finds the Jobs and Pods of an event, shows the runner log and describes the Job', async () => {
    const jobs = await kubectl('get', 'jobs', '-l', `quickcd.dev/event-id=${eventId}`);
    expect(jobs).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    expect(jobs).toMatch(new RegExp(`^${jobName}\\s+Complete\\s+1/1\\s+`, 'm'));
    expect(
      await kubectl(
        'get',
        'pods',
        '-l',
        `quickcd.dev/event-id=${eventId},quickcd.dev/lane=blocking`,
      ),
    ).toMatch(new RegExp(`^${jobName}-[a-z0-9]{5}\\s+0/1\\s+Completed\\s+0\\s+`, 'm'));
    expect(await kubectl('logs', `job/${jobName}`)).toContain('deploying refs/heads/main');
    const described = await kubectl('describe', 'job', jobName);
    expect(described).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    expect(described).toMatch(/quickcd\.dev\/attempt=1/);
    expect(described).toMatch(/Active Deadline Seconds:\s+60s/);
    // The owner is the event's ConfigMap (not a controller): deleting the event deletes the Job.
    const owners = JSON.parse(
      await kubectl('get', 'job', jobName, '-o', 'jsonpath={.metadata.ownerReferences}'),
    ) as { kind: string; name: string }[];
    expect(owners).toEqual([
      expect.objectContaining({ kind: 'ConfigMap', name: `quickcd-acme-webapp-${eventId}` }),
    ]);
  });

  it('lists more events than one page, honouring limit and continue', async () => {
    // The home-made server ignored limit and continue; the real one pages at 250.
    for (let i = 0; i < 260; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          store.putEvent(stored(String(49_000_000_000 + i + j), 'handled')),
        ),
      );
    }
    const before = cluster.proxy.requests.length;
    const events = await store.listEvents({ repo, status: ['handled'] });
    expect(events).toHaveLength(261);
    const ids = events.map((e) => BigInt(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const lists = cluster.proxy.requests
      .slice(before)
      .filter((r) => r.method === 'GET' && r.path.includes(`/namespaces/${namespace}/configmaps?`));
    expect(lists).toHaveLength(2);
    expect(lists[0]?.path).toMatch(/[?&]limit=250(&|$)/);
    expect(lists[1]?.path).toMatch(/[?&]continue=/);
  });
});
