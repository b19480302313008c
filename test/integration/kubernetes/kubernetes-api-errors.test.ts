// quickcd_kubernetes_api_errors_total{verb,resource} on the real API server: every Kubernetes
// path of the scheduler counts its failed calls (faults injected by the proxy in front of the
// API server), read back from the scheduler's Prometheus registry as /metrics renders it.
// Answers that are not failures — a 404 meaning "absent", a 409 meaning "exists", a watch
// expiring with 410 — are not counted.
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { systemClock } from '../../../common/clock.js';
import { createConfigMapStore } from '../../../scheduler/kubernetes/configmap-store.js';
import { watchEventConfigMaps } from '../../../scheduler/kubernetes/watch-event-configmaps.js';
import { createJobExecutor } from '../../../scheduler/kubernetes/job-executor.js';
import { createLeaseLeadership } from '../../../scheduler/kubernetes/lease-leadership.js';
import { eventConfigMapName } from '../../../scheduler/kubernetes/names.js';
import {
  publishHandlers,
  type PublishedHandlers,
} from '../../../scheduler/kubernetes/publish-handlers.js';
import { keepRun } from '../../../scheduler/kubernetes/run-history.js';
import { createSchedulerMetrics } from '../../../scheduler/metrics/create-scheduler-metrics.js';
import { onKubernetesApiError } from '../../../scheduler/metrics/kubernetes-api-errors.js';
import { newStoredEvent } from '../../../scheduler/event-state.js';
import type { LaunchSpec } from '../../../scheduler/ports/executor.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { eventually } from '../../support/eventually.js';
import type { Fault } from '../../support/kube-fault-proxy/faults.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';

const namespace = 'api-errors';
const repo = 'acme/webapp';
const log = pino({ level: 'silent' });
const metrics = createSchedulerMetrics(systemClock);
const stopCounting = onKubernetesApiError(metrics.kubernetesError);
let cluster: TestCluster;
let handlers: PublishedHandlers;
let nextId = 49_000_000_000n;

/** quickcd_kubernetes_api_errors_total{verb,resource}, read from /metrics' text. */
async function errors(verb: string, resource: string): Promise<number> {
  const text = await metrics.registry.metrics();
  const line = text
    .split('\n')
    .find((l) =>
      l.startsWith(`quickcd_kubernetes_api_errors_total{verb="${verb}",resource="${resource}"} `),
    );
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

/** Stores a fresh event as the ConfigMap store does; returns its launch spec. */
async function storeEvent(): Promise<LaunchSpec> {
  const id = String(++nextId);
  const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id, repo }));
  const store = createConfigMapStore({ kubeConfig: cluster.admin, namespace, log });
  await store.putEvent(newStoredEvent(event, [{ name: 'deploy', blocking: true }], new Date()));
  const stored = await store.getEvent(id, repo);
  return {
    event: stored!,
    lane: 'blocking',
    attempt: 1,
    completed: [],
    timeoutSeconds: 60,
  };
}

const faults: { remove(): void }[] = [];
/** Injects a fault through the proxy (removed after the test at the latest). */
function fault(f: Fault): { remove(): void } {
  const added = cluster.fault(f);
  faults.push(added);
  return added;
}

const executor = () =>
  createJobExecutor({
    kubeConfig: cluster.kubeConfig(),
    namespace,
    config: loadConfig({}),
    handlers,
    log,
  });

describeCluster('quickcd_kubernetes_api_errors_total', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    // No node agent: Jobs stay active, their Pods never run — the calls are what is tested.
    cluster = await startTestCluster({ node: false });
    await cluster.createNamespace(namespace);
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';\non('PushEvent', () => {});\n`,
    });
    handlers = await publishHandlers({
      core: cluster.admin.makeApiClient(CoreV1Api),
      namespace,
      file: f.path('handlers.ts'),
      scheduler: 'quickcd-scheduler',
      log,
    });
  }, 120_000);
  // A test that fails leaves no fault behind for the next one.
  afterEach(() => {
    for (const f of faults.splice(0)) f.remove();
  });
  afterAll(async () => {
    stopCounting();
    await cluster?.stop();
  });

  it('job executor: failed create and read of Jobs and get of the event ConfigMap count; 404 and 409 answers do not', async () => {
    const ex = executor();
    const spec = await storeEvent();

    // Not launched (no informer running: read by name): an answer, not a failure.
    expect(await ex.observe(spec)).toEqual({ state: 'absent' });
    expect(await errors('list', 'jobs.batch')).toBe(0);

    const failedCreate = fault({
      kind: 'status',
      status: 500,
      method: 'POST',
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      times: 1,
    });
    await expect(ex.launch(spec)).rejects.toMatchObject({ code: 'EXECUTOR_FAILED' });
    failedCreate.remove();
    expect(await errors('create', 'jobs.batch')).toBe(1);

    expect(await ex.launch(spec)).toMatchObject({ adopted: false });
    expect(await ex.launch(spec)).toMatchObject({ adopted: true }); // 409: adopted, not a failure
    expect(await errors('create', 'jobs.batch')).toBe(1);

    const other = await storeEvent();
    const failedRead = fault({
      kind: 'status',
      status: 503,
      method: 'GET',
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      watch: false,
      times: 1,
    });
    await expect(ex.observe(other)).rejects.toMatchObject({ code: 'EXECUTOR_FAILED' });
    failedRead.remove();
    expect(await errors('list', 'jobs.batch')).toBe(1);

    const configMaps = await errors('get', 'configmaps');
    const failedConfigMap = fault({
      kind: 'status',
      status: 403,
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/configmaps/${eventConfigMapName(repo, spec.event.id)}`,
      times: 1,
    });
    await expect(ex.launch({ ...spec, attempt: 2 })).rejects.toMatchObject({
      code: 'EXECUTOR_FAILED',
    });
    failedConfigMap.remove();
    expect(await errors('get', 'configmaps')).toBe(configMaps + 1);
  });

  it('watches: a refused watch of Jobs, of their Pods and of event ConfigMaps counts as verb "watch"', async () => {
    const ex = executor();
    const refused = fault({
      kind: 'status',
      status: 500,
      watch: true,
      path: `/namespaces/${namespace}/`,
    });
    // Subscribing starts the executor's informers (Jobs and their Pods).
    const unsubscribe = ex.subscribe(() => {});
    await eventually(async () => (await errors('watch', 'jobs.batch')) >= 1, 'Job watch counted');
    await eventually(async () => (await errors('watch', 'pods')) >= 1, 'Pods watch counted');
    unsubscribe();

    const unwatch = watchEventConfigMaps({
      kubeConfig: cluster.kubeConfig(),
      namespace,
      log,
      onChange: () => {},
      restartMs: 50,
    });
    await eventually(
      async () => (await errors('watch', 'configmaps')) >= 1,
      'ConfigMap watch counted',
    );
    unwatch();
    refused.remove();
  });

  it('watches: a watch that expires (410 Gone) is resumed, not counted', async () => {
    const before = await errors('watch', 'configmaps');
    const expired = fault({
      kind: 'expire-watch',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      times: 1,
    });
    let changes = 0;
    const unwatch = watchEventConfigMaps({
      kubeConfig: cluster.kubeConfig(),
      namespace,
      log,
      onChange: () => changes++,
      debounceMs: 0,
    });
    await eventually(
      () => cluster.proxy.requests.some((r) => r.injected && /watch=true/.test(r.path)),
      'the watch expired',
    );
    // Listed again after the 410 (the open events it finds are told as changes).
    await eventually(() => changes > 0, 'the expired watch handled');
    unwatch();
    expired.remove();
    expect(await errors('watch', 'configmaps')).toBe(before);
  });

  it('lease renewal, handlers publishing and history keeping count their failures', async () => {
    const leadership = createLeaseLeadership({
      kubeConfig: cluster.kubeConfig(),
      namespace,
      name: 'quickcd-errors',
      identity: 'scheduler-0',
      leaseDurationSeconds: 2,
      log,
      retryPeriodMs: 100,
    });
    const lost = await leadership.acquire(new AbortController().signal);
    const renewals = fault({
      kind: 'status',
      status: 500,
      method: 'PUT',
      path: `/leases/quickcd-errors`,
      times: 1,
    });
    await eventually(
      async () => (await errors('update', 'leases.coordination.k8s.io')) === 1,
      'a failed renewal counted',
    );
    renewals.remove();
    expect(lost.aborted).toBe(false); // the next renewal succeeds in time
    await leadership.release();

    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const creates = await errors('create', 'configmaps');
    const f = writeFiles({
      'other.ts': `import { on } from 'quickcd';\non('WatchEvent', () => {});\n`,
      'third.ts': `import { on } from 'quickcd';\non('ForkEvent', () => {});\n`,
    });
    const publish = (file: string) =>
      publishHandlers({
        core,
        namespace,
        file: f.path(file),
        scheduler: 'x',
        log,
        retry: { firstDelayMs: 10 },
      });
    // A throttled or failing API server at start-up is waited out, each failure counted.
    const throttled = fault({
      kind: 'status',
      status: 429,
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      times: 1,
    });
    const failing = fault({
      kind: 'status',
      status: 503,
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      times: 1,
    });
    const published = await publish('other.ts');
    throttled.remove();
    failing.remove();
    expect(await errors('create', 'configmaps')).toBe(creates + 2);
    expect(
      (await core.readNamespacedConfigMap({ namespace, name: published.name })).data?.[
        published.file
      ],
    ).toContain('WatchEvent');
    // A refusal is not: it fails at once, naming the ConfigMap.
    const refused = fault({
      kind: 'status',
      status: 403,
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      times: 1,
    });
    await expect(publish('third.ts')).rejects.toMatchObject({
      code: 'EXECUTOR_FAILED',
      message: expect.stringMatching(/^Cannot publish the handlers file as ConfigMap/),
    });
    refused.remove();
    expect(await errors('create', 'configmaps')).toBe(creates + 3);

    const spec = await storeEvent();
    const owner = eventConfigMapName(repo, spec.event.id);
    const uid =
      (
        await cluster.admin
          .makeApiClient(CoreV1Api)
          .readNamespacedConfigMap({ namespace, name: owner })
      ).metadata?.uid ?? '';
    const gets = await errors('get', 'configmaps');
    const history = fault({
      kind: 'status',
      status: 500,
      method: 'GET',
      path: `/configmaps/${owner}-history`,
      times: 1,
    });
    // A second attempt reads the history first (a first one creates it without reading).
    const run = {
      job: `quickcd-acme-webapp-${spec.event.id}-b2`,
      lane: 'blocking' as const,
      attempt: 2,
      ok: true,
      finishedAt: new Date().toISOString(),
      tail: 'done\n',
      truncated: false,
    };
    await expect(keepRun(core, namespace, { name: owner, uid }, {}, run)).rejects.toBeDefined();
    history.remove();
    expect(await errors('get', 'configmaps')).toBe(gets + 1);
    // Without the fault the history is kept, and nothing more is counted (its 404 is "absent").
    await keepRun(core, namespace, { name: owner, uid }, {}, run);
    expect(await errors('get', 'configmaps')).toBe(gets + 1);
  });
});
