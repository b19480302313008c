import { gzipSync } from 'node:zlib';
import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1ConfigMap,
  type V1Job,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { createJobExecutor } from '../../../scheduler/kubernetes/job-executor.js';
import { createHistoryKeeper } from '../../../scheduler/kubernetes/create-history-keeper.js';
import { createEventConfigMapCache } from '../../../scheduler/kubernetes/event-configmap-cache.js';
import { createRunInformers } from '../../../scheduler/kubernetes/run-informers.js';
import { readRunHistory } from '../../../scheduler/kubernetes/run-history.js';
import { systemClock } from '../../../common/clock.js';
import type { JobConfig } from '../../../scheduler/kubernetes/job-manifest.js';
import {
  LABEL,
  MANAGED_BY,
  eventConfigMapName,
  jobName,
  repoLabel,
} from '../../../scheduler/kubernetes/names.js';
import {
  publishHandlers,
  type PublishedHandlers,
} from '../../../scheduler/kubernetes/publish-handlers.js';
import type { Executor, LaunchSpec } from '../../../scheduler/ports/executor.js';
import type { StoredEvent } from '../../../scheduler/ports/event-store.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { eventually } from '../../support/eventually.js';
import { waitForRun } from '../../support/wait-for-run.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';

// The Job executor against a real kube-apiserver and kube-controller-manager (Job, garbage
// collector and ttl-after-finished controllers); the node agent runs the runner Pods, which
// PodSecurity `restricted` (enforced on the namespace) must admit.
const namespace = 'cd';
const repo = 'acme/webapp';
const log = pino({ level: 'silent' });

// The ref of the pushed event picks the handlers that run.
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  log('Echo', 'event ' + ctx.event.id + ' of ' + process.env.QUICKCD_REPO);
  console.log('ECHO ' + ctx.event.id + ' token=' + (process.env.DEPLOY_TOKEN ?? 'none'));
}, { name: 'echo' });
on('PushEvent', async () => { throw new Error('deploy broke'); },
  { name: 'fail', filter: (p) => p.ref === 'refs/heads/fail' });
on('PushEvent', async (p, ctx) => { console.log('SLEEPING'); await ctx.sh\`sleep 30\`; },
  { name: 'slow', filter: (p) => p.ref === 'refs/heads/slow' });
on('PushEvent', async () => { console.log('last words'); process.exit(3); },
  { name: 'crash', filter: (p) => p.ref === 'refs/heads/crash' });
`;

let cluster: TestCluster;
let kubeConfig: KubeConfig;
/** Admin clients straight to the API server (no faults): for setup and assertions. */
let core: CoreV1Api;
let batch: BatchV1Api;
let handlers: PublishedHandlers;
let handlersFile: string;
let nextId = 46_000_000_000n;
const config = loadConfig({
  QUICKCD_CLUSTER_ID: 'test/local/kube',
  QUICKCD_RUNNER_SECRETS: 'deploy',
  QUICKCD_GITHUB_URL: 'http://127.0.0.1:9/api/v3',
});

function executor(jobConfig: JobConfig = config): Executor {
  return createJobExecutor({ kubeConfig, namespace, config: jobConfig, handlers, log });
}

/** What the dispatcher does with a run: observe it until it has finished, then release it. */
async function finished(ex: Executor, spec: LaunchSpec) {
  const outcome = await waitForRun(ex, spec);
  await ex.release?.(spec);
  return outcome;
}

/** Stores an event as the event store does: a ConfigMap; returns its launch spec. */
async function storeEvent(
  ref: string,
  options: { gzip?: boolean; timeoutSeconds?: number } = {},
): Promise<LaunchSpec> {
  const id = String(++nextId);
  const raw = makeEvent('PushEvent', pushPayload(ref), { id, repo });
  const json = JSON.stringify(raw);
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: {
        name: eventConfigMapName(repo, id),
        labels: {
          [LABEL.managedBy]: MANAGED_BY,
          [LABEL.kind]: 'event',
          [LABEL.repo]: repoLabel(repo),
          [LABEL.eventType]: 'PushEvent',
          [LABEL.status]: 'pending',
        },
      },
      ...(options.gzip
        ? { binaryData: { 'event.json.gz': gzipSync(json).toString('base64') } }
        : { data: { 'event.json': json } }),
    },
  });
  const event: StoredEvent = {
    repo,
    id,
    type: 'PushEvent',
    event: parseEvent(raw),
    status: 'pending',
    lanes: {},
    handlers: {},
    storedAt: new Date().toISOString(),
    late: false,
  };
  return {
    event,
    lane: 'blocking',
    attempt: 1,
    completed: [],
    timeoutSeconds: options.timeoutSeconds ?? 60,
  };
}

const podsOf = async (jobName: string) =>
  (
    await core.listNamespacedPod({
      namespace,
      labelSelector: `batch.kubernetes.io/job-name=${jobName}`,
    })
  ).items;

/** The runner's output, read through the API server from the node agent's log endpoint. */
async function podLog(jobName: string): Promise<string> {
  const name = (await podsOf(jobName))[0]?.metadata?.name ?? '';
  return core.readNamespacedPodLog({ namespace, name });
}

const readJob = (name: string) => cluster.get<V1Job>('batch/v1', 'Job', namespace, name);

describeCluster('Kubernetes Job executor on the real control plane', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace, 'restricted');
    kubeConfig = cluster.kubeConfig();
    core = cluster.admin.makeApiClient(CoreV1Api);
    batch = cluster.admin.makeApiClient(BatchV1Api);
    // The chart creates the runner's ServiceAccount; the ServiceAccount admission plugin rejects
    // a Pod whose ServiceAccount is missing.
    await core.createNamespacedServiceAccount({
      namespace,
      body: {
        metadata: { name: config.runnerServiceAccount },
        automountServiceAccountToken: false,
      },
    });
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'deploy' }, stringData: { DEPLOY_TOKEN: 'deploy-s3cret-value' } },
    });
    const f = writeFiles({ 'handlers.ts': HANDLERS });
    handlersFile = f.path('handlers.ts');
    handlers = await publishHandlers({
      core: kubeConfig.makeApiClient(CoreV1Api),
      namespace,
      file: handlersFile,
      scheduler: 'quickcd-scheduler',
      log,
    });
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('publishes the handlers once, immutable and content-addressed', async () => {
    const cm = await cluster.get<V1ConfigMap>('v1', 'ConfigMap', namespace, handlers.name);
    expect(cm).toMatchObject({
      immutable: true,
      metadata: { labels: { [LABEL.managedBy]: 'quickcd', [LABEL.kind]: 'handlers' } },
    });
    // What is published is the bundle the runner loads as is: one module, source-mapped.
    const bundle = cm?.data?.['handlers.mjs'];
    expect(bundle).toMatch(/^\/\/ quickcd handlers bundle of \/\S+\/handlers\.ts\n/);
    expect(bundle).toContain('name: "slow"');
    expect(bundle).toContain('//# sourceMappingURL=data:application/json;base64,');
    expect(
      await publishHandlers({
        core: kubeConfig.makeApiClient(CoreV1Api),
        namespace,
        file: handlersFile,
        scheduler: 'quickcd-scheduler',
        log,
      }),
    ).toEqual(handlers);
  });

  it('logs nothing at info when launching: the dispatcher writes the one launch line', async () => {
    const lines: string[] = [];
    const info = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const spec = await storeEvent('refs/heads/main');
    const ex = createJobExecutor({ kubeConfig, namespace, config, handlers, log: info });
    await ex.launch(spec);
    expect(lines).toEqual([]);
    expect((await finished(ex, spec)).ok).toBe(true);
  });

  it('runs a Job to success with per-handler results, observed by a watch', async () => {
    const spec = await storeEvent('refs/heads/main');
    const ex = executor();
    const launch = await ex.launch(spec);
    expect(launch).toEqual({ name: `quickcd-acme-webapp-${spec.event.id}-b1`, adopted: false });
    const started = Date.now();
    const outcome = await finished(ex, spec);
    expect(outcome).toEqual({
      ok: true,
      results: [{ name: 'echo', lane: 'blocking', ok: true, durationMs: expect.any(Number) }],
    });
    // Observed from the informer's watch (no periodic re-read exists).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(
      cluster.proxy.requests.some(
        (r) =>
          r.path.startsWith(`/apis/batch/v1/namespaces/${namespace}/jobs?`) &&
          /[?&]watch=true/.test(r.path),
      ),
    ).toBe(true);
    const job = await batch.readNamespacedJob({ namespace, name: launch.name });
    expect(job.metadata?.labels).toMatchObject({
      [LABEL.eventId]: spec.event.id,
      [LABEL.lane]: 'blocking',
      [LABEL.attempt]: '1',
    });
    const owner = await cluster.get(
      'v1',
      'ConfigMap',
      namespace,
      eventConfigMapName(repo, spec.event.id),
    );
    expect(job.metadata?.ownerReferences?.[0]?.uid).toBe(owner?.metadata?.uid);
    const output = await podLog(launch.name);
    // Without GitHub credentials the runner reports to its log (console reporter).
    expect(output).toContain('┌─ comment on');
    expect(output).toContain(`event ${spec.event.id} of acme/webapp`);
    // The runner Secret reached the handler as env, and its value is redacted from the log.
    expect(output).toContain(`ECHO ${spec.event.id} token=`);
    expect(output).not.toContain('deploy-s3cret-value');
    expect(output).not.toContain('token=none');
  });

  it('observes runs from its informers: per run a read of the event, a create, a patch', async () => {
    const ex = executor();
    // The scheduler is subscribed while it leads: the informers run.
    const stop = ex.subscribe(() => {});
    const run = async () => {
      const spec = await storeEvent('refs/heads/main');
      await ex.launch(spec);
      expect((await finished(ex, spec)).ok).toBe(true);
    };
    await run(); // the informers have listed and watch
    const from = cluster.proxy.requests.length;
    const runs = 3;
    for (let n = 0; n < runs; n++) await run();
    stop();
    const made = cluster.proxy.requests
      .slice(from)
      .filter((r) => !/[?&]watch=true/.test(r.path))
      .map(
        (r) =>
          `${r.method} ${r.path.replace(/\?.*$/, '').replace(/\/[^/]*\d{11}[^/]*$/, '/<name>')}`,
      );
    const count = (line: string) => made.filter((m) => m === line).length;
    // Each run: its event ConfigMap read (for its uid), the Job created, the finalizer removed;
    // the Job itself is never read: the informer's cache answers.
    expect(count(`GET /api/v1/namespaces/${namespace}/configmaps/<name>`)).toBe(runs);
    expect(count(`POST /apis/batch/v1/namespaces/${namespace}/jobs`)).toBe(runs);
    expect(count(`PATCH /apis/batch/v1/namespaces/${namespace}/jobs/<name>`)).toBe(runs);
    expect(count(`GET /apis/batch/v1/namespaces/${namespace}/jobs/<name>`)).toBe(0);
    // Beyond those, at most a list of the Pods when the Pod informer lagged the Job's. (Before
    // the informers: 6 per run — the same 2, a watch of the Jobs, one of the Pods, a GET of the
    // Job, a list of its Pods.)
    expect(made.length, made.join('\n')).toBeLessThanOrEqual(4 * runs);
  });

  it('with the store cache and shared informers: no event read; the history keeper reads only the log', async () => {
    const runs = createRunInformers({ kubeConfig, namespace, log });
    const eventConfigMaps = createEventConfigMapCache({ kubeConfig, namespace, log });
    const ex = createJobExecutor({
      kubeConfig,
      namespace,
      config,
      handlers,
      log,
      runs,
      eventConfigMaps,
    });
    const keeper = createHistoryKeeper({
      kubeConfig,
      namespace,
      log,
      clock: systemClock,
      runs,
      eventConfigMaps,
    });
    const stops = [ex.subscribe(() => {}), eventConfigMaps.subscribe(() => {})];
    const ns = `/namespaces/${namespace}`;
    const since = (from: number) =>
      cluster.proxy.requests
        .slice(from)
        // The node agent's own (Pod status, its Node and Lease) left out.
        .filter((r) => !/[?&]watch=true|\/status$|\/nodes|\/leases\//.test(r.path))
        .map(
          (r) =>
            `${r.method} ${r.path.replace(/\?.*$/, '').replace(/\/[^/]*\d{11}[^/]*?(\/log)?$/, '/<name>$1')}${r.status === 409 ? ' 409' : ''}`,
        );
    /** Runs `spec` through launch, observe, release and keep; the requests of each part. */
    const run = async (spec: LaunchSpec) => {
      const cm = eventConfigMapName(repo, spec.event.id);
      await eventually(() => eventConfigMaps.get(cm), 'the event ConfigMap cached');
      const from = cluster.proxy.requests.length;
      await ex.launch(spec);
      const outcome = await finished(ex, spec);
      expect(outcome.ok).toBe(true);
      const kept = cluster.proxy.requests.length;
      keeper.observer.outcomeRecorded?.({
        event: spec.event,
        lane: spec.lane,
        attempt: spec.attempt,
        ok: outcome.ok,
        seconds: 1,
        launch: jobName(repo, spec.event.id, spec.lane, spec.attempt),
      });
      await keeper.flush();
      return {
        executor: since(from).slice(0, since(from).length - since(kept).length),
        keeper: since(kept),
      };
    };
    try {
      await run(await storeEvent('refs/heads/main')); // the informers have listed and watch
      const spec = await storeEvent('refs/heads/main');
      const first = await run(spec);
      // The Job created and quickcd's finalizer taken off its Pod and itself; the event
      // ConfigMap's uid came from the cache (before the cache: a GET of it per run).
      const count = (line: string) => first.executor.filter((r) => r === line).length;
      expect(count(`GET /api/v1${ns}/configmaps/<name>`), first.executor.join('\n')).toBe(0);
      expect(count(`POST /apis/batch/v1${ns}/jobs`)).toBe(1);
      expect(count(`PATCH /apis/batch/v1${ns}/jobs/<name>`)).toBe(1);
      // Kept: the Pod from the informer, its log read, the history created without a read.
      expect(first.keeper).toEqual([
        `GET /api/v1${ns}/pods/<name>/log`,
        `POST /api/v1${ns}/configmaps`,
      ]);
      // A retry reads the history it adds to; another lane's first run finds it there (409).
      expect((await run({ ...spec, attempt: 2 })).keeper).toEqual([
        `GET /api/v1${ns}/pods/<name>/log`,
        `GET /api/v1${ns}/configmaps/<name>`,
        `PUT /api/v1${ns}/configmaps/<name>`,
      ]);
      expect((await run({ ...spec, lane: 'nonblocking' })).keeper).toEqual([
        `GET /api/v1${ns}/pods/<name>/log`,
        `POST /api/v1${ns}/configmaps 409`,
        `GET /api/v1${ns}/configmaps/<name>`,
        `PUT /api/v1${ns}/configmaps/<name>`,
      ]);
      const kept = await readRunHistory(core, namespace, eventConfigMapName(repo, spec.event.id));
      expect(kept.map((r) => [r.lane, r.attempt])).toEqual([
        ['blocking', 1],
        ['blocking', 2],
        ['nonblocking', 1],
      ]);
      // The output of the right Pod each time (the nonblocking lane has no handler here).
      expect(kept.map((r) => r.tail.includes(`ECHO ${spec.event.id}`))).toEqual([
        true,
        true,
        false,
      ]);
    } finally {
      for (const stop of stops) stop();
    }
  });

  it('reports a failing handler with its error, and skips completed handlers', async () => {
    const spec = { ...(await storeEvent('refs/heads/fail')), completed: ['echo'] };
    const ex = executor();
    const outcome = (await ex.launch(spec), await finished(ex, spec));
    expect(outcome.ok).toBe(false);
    expect(outcome.results).toEqual([
      {
        name: 'fail',
        lane: 'blocking',
        ok: false,
        durationMs: expect.any(Number),
        error: 'deploy broke',
        // The code travels in the termination message too.
        code: 'HANDLER_FAILED',
      },
    ]);
  });

  it('reads a gzip-compressed event', async () => {
    const spec = await storeEvent('refs/heads/main', { gzip: true });
    const ex = executor();
    const launch = await ex.launch(spec);
    const job = await batch.readNamespacedJob({ namespace, name: launch.name });
    expect(job.spec?.template.spec?.containers[0]?.command?.[3]).toBe(
      '/quickcd/event/event.json.gz',
    );
    expect((await finished(ex, spec)).ok).toBe(true);
  });

  it('adopts a Job launched before, and finds and waits for it after a restart', async () => {
    const spec = await storeEvent('refs/heads/main');
    const first = executor();
    const launch = await first.launch(spec);
    expect(await first.launch(spec)).toEqual({ name: launch.name, adopted: true });
    // A new scheduler process: a fresh executor instance.
    const restarted = executor();
    expect(await restarted.observe({ ...spec, attempt: 2 })).toEqual({ state: 'absent' });
    expect(await restarted.observe(spec)).toMatchObject({ name: launch.name });
    expect((await finished(restarted, spec)).ok).toBe(true);
    const jobs = await batch.listNamespacedJob({
      namespace,
      labelSelector: `${LABEL.eventId}=${spec.event.id}`,
    });
    expect(jobs.items).toHaveLength(1);
  });

  it('fails a run past its deadline with a reason saying so, though the Job controller deletes its Pod', async () => {
    // Long enough for the runner to be in its handler (with its SIGTERM handler installed) when
    // the Job controller deletes the Pod, even on a loaded machine (8 s was too short with both
    // cores busy: test/stress/run-under-load).
    const spec = await storeEvent('refs/heads/slow', { timeoutSeconds: 20 });
    const ex = executor();
    const launch = await ex.launch(spec);
    const outcome = await finished(ex, spec);
    expect(outcome.ok).toBe(false);
    expect(outcome.reason).toMatch(/DeadlineExceeded/);
    expect(outcome.reason).toMatch(/deadline/);
    expect(outcome.reason).toMatch(/deadline of 20 s .*the Job controller stopped its Pod$/);
    // Told to stop, the runner wrote its result; the Pod's final state (seen by the executor's
    // watch before the Pod went) still carries it.
    expect(outcome.results).toEqual([
      { name: 'echo', lane: 'blocking', ok: true, durationMs: expect.any(Number) },
      {
        name: 'slow',
        lane: 'blocking',
        ok: false,
        durationMs: expect.any(Number),
        error: expect.stringContaining('runner stopped (SIGTERM)'),
        code: 'HANDLER_FAILED',
      },
    ]);
    // Kubernetes: the deadline is a condition of the Job, and its active Pod is deleted.
    const job = await readJob(launch.name);
    expect(job?.status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }),
      ]),
    );
    await eventually(async () => (await podsOf(launch.name)).length === 0, 'Pod deleted', 30_000);
  });

  it('reports the last lines of a runner that exits without a result', async () => {
    const spec = await storeEvent('refs/heads/crash');
    const ex = executor();
    const outcome = (await ex.launch(spec), await finished(ex, spec));
    expect(outcome.ok).toBe(false);
    expect(outcome.results).toBeUndefined();
    expect(outcome.reason).toMatch(/exited with code 3 without a result; its last lines:\n/);
    expect(outcome.reason).toContain('last words');
  });

  it('still sees a Job finish when the watch drops (resync and re-watch)', async () => {
    const spec = await storeEvent('refs/heads/main');
    const ex = executor();
    await ex.launch(spec);
    const waiting = finished(ex, spec);
    const watches = () =>
      cluster.proxy.requests.filter(
        (r) => r.path.includes(`/namespaces/${namespace}/jobs?`) && /watch=true/.test(r.path),
      ).length;
    const before = watches();
    await eventually(() => cluster.dropWatches() > 0, 'a watch to drop');
    expect((await waiting).ok).toBe(true);
    expect(watches()).toBeGreaterThan(before);
  });

  it('still sees a Job finish when its watch expires (410)', async () => {
    const spec = await storeEvent('refs/heads/main');
    const ex = executor();
    await ex.launch(spec);
    const expired = cluster.fault({
      kind: 'expire-watch',
      path: `/namespaces/${namespace}/jobs`,
      times: 1,
    });
    expect((await finished(ex, spec)).ok).toBe(true);
    expired.remove();
  });

  it('resolves with ok false when the Job is deleted while running', async () => {
    const spec = await storeEvent('refs/heads/slow');
    const ex = executor();
    const launch = await ex.launch(spec);
    const waiting = finished(ex, spec);
    await eventually(async () => (await readJob(launch.name))?.status?.active === 1, 'running');
    await batch.deleteNamespacedJob({
      namespace,
      name: launch.name,
      propagationPolicy: 'Background',
    });
    const outcome = await waiting;
    expect(outcome.ok).toBe(false);
    expect(outcome.results).toBeUndefined();
    expect(outcome.reason).toMatch(/deleted/);
    // The garbage collector removes the orphaned Pod.
    await eventually(async () => (await podsOf(launch.name)).length === 0, 'Pod deleted', 30_000);
  });

  it('refuses to launch, saying why, when the event ConfigMap is missing', async () => {
    const spec = await storeEvent('refs/heads/main');
    await core.deleteNamespacedConfigMap({
      namespace,
      name: eventConfigMapName(repo, spec.event.id),
    });
    expect(await executor().launch(spec)).toEqual({
      name: `quickcd-acme-webapp-${spec.event.id}-b1`,
      refused: expect.stringMatching(
        /cannot get configmaps "quickcd-acme-webapp-\d+" in namespace "cd": .*not found/,
      ),
    });
  });

  it('fails to launch, with a code and the status, on a 500 from POST jobs; a retry launches', async () => {
    const spec = await storeEvent('refs/heads/main');
    const ex = executor();
    const fault = cluster.fault({
      kind: 'status',
      status: 500,
      method: 'POST',
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      times: 1,
    });
    const error = await ex.launch(spec).then(
      () => undefined,
      (e: unknown) => e,
    );
    fault.remove();
    expect(error).toMatchObject({
      code: 'EXECUTOR_FAILED',
      context: { eventId: spec.event.id, repo },
    });
    expect((error as Error).message).toMatch(/Cannot create Job cd\/quickcd-acme-webapp-\d+-b1/);
    expect((error as Error).message).toMatch(/500/);
    const posts = cluster.proxy.requests.filter(
      (r) =>
        r.method === 'POST' && r.path.startsWith(`/apis/batch/v1/namespaces/${namespace}/jobs`),
    );
    expect(posts.at(-1)).toMatchObject({ status: 500, injected: true });
    // Nothing was created, so launching again is a fresh launch, not an adoption.
    expect(await readJob(`quickcd-acme-webapp-${spec.event.id}-b1`)).toBeUndefined();
    expect(await ex.launch(spec)).toMatchObject({ adopted: false });
    expect((await finished(ex, spec)).ok).toBe(true);
  });

  it('a finished Job is removed by the ttl-after-finished controller, with its Pod', async () => {
    const spec = await storeEvent('refs/heads/main');
    const ex = executor({ ...config, jobTtlSeconds: 1 });
    const launch = await ex.launch(spec);
    expect((await readJob(launch.name))?.spec?.ttlSecondsAfterFinished).toBe(1);
    expect((await finished(ex, spec)).ok).toBe(true);
    await eventually(async () => (await readJob(launch.name)) === undefined, 'Job removed', 30_000);
    await eventually(async () => (await podsOf(launch.name)).length === 0, 'Pod removed', 30_000);
    // Gone once released: a restarted scheduler no longer finds it (the event keeps the result).
    expect(await executor().observe(spec)).toEqual({ state: 'absent' });
  });

  it('deleting an event ConfigMap removes its Jobs and Pods (garbage collector)', async () => {
    const spec = await storeEvent('refs/heads/slow');
    const ex = executor();
    // The scheduler runs (subscribed): it releases the Jobs no outcome can be recorded for.
    const stop = ex.subscribe(() => {});
    const first = await ex.launch(spec);
    const second = await ex.launch({ ...spec, lane: 'nonblocking' });
    await eventually(async () => (await podsOf(first.name)).length === 1, 'Pod created');
    await core.deleteNamespacedConfigMap({
      namespace,
      name: eventConfigMapName(repo, spec.event.id),
    });
    for (const name of [first.name, second.name]) {
      await eventually(
        async () => (await readJob(name)) === undefined,
        `Job ${name} removed`,
        30_000,
      );
      await eventually(
        async () => (await podsOf(name)).length === 0,
        `Pods of ${name} removed`,
        30_000,
      );
    }
    stop();
  });
});
