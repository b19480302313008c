// The scheduler's Role grants exactly the Kubernetes API calls the scheduler makes: the Role
// helm renders equals the list below (one entry per call site), and, installed by helm, the
// chart's ServiceAccount can make every one of those calls through quickcd's own adapters,
// with RBAC enforced by the real API server. (The lead adds the audit-log comparison of a full
// end-to-end run.)
import { AuthorizationV1Api, BatchV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { createConfigMapStore } from '../../../scheduler/kubernetes/configmap-store.js';
import { createJobExecutor } from '../../../scheduler/kubernetes/job-executor.js';
import { createLeaseLeadership } from '../../../scheduler/kubernetes/lease-leadership.js';
import { pruneHandlers } from '../../../scheduler/kubernetes/prune-handlers.js';
import { createKubeEventRecorder } from '../../../scheduler/kubernetes/record-kube-event.js';
import { createHistoryKeeper } from '../../../scheduler/kubernetes/create-history-keeper.js';
import { readRunHistory } from '../../../scheduler/kubernetes/run-history.js';
import { eventConfigMapName } from '../../../scheduler/kubernetes/names.js';
import { systemClock } from '../../../common/clock.js';
import { publishHandlers } from '../../../scheduler/kubernetes/publish-handlers.js';
import type { StoredEvent } from '../../../scheduler/ports/event-store.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { REQUIRED, chartDir, find, render, valuesFile } from './chart.js';

interface Permission {
  readonly group: string;
  readonly resource: string;
  readonly verb: string;
}

const p = (group: string, resource: string, verb: string): Permission => ({
  group,
  resource,
  verb,
});

/**
 * Every Kubernetes API call of `quickcd scheduler` (scheduler/kubernetes/*.ts as wired by
 * cli/create-adapters.ts and cli/commands/scheduler.ts). The operator commands (`quickcd
 * events|retry|skip|logs`, cli/commands/) run with the operator's own credentials, not this
 * Role, and the runner calls no Kubernetes API.
 */
const USED: readonly Permission[] = [
  // configmap-store.ts read(): getEvent(id, repo), getCursor, updateEvent's read (after a 409
  // or when the cache has not got it); job-executor.ts launch(): the event ConfigMap (its uid
  // owns the Job) when the cache has not got it; run-history.ts keepRun: the history ConfigMap;
  // publish-handlers.ts: the already published handlers ConfigMap (after a 409)
  p('', 'configmaps', 'get'),
  // configmap-store.ts list(): listEvents, getEvent(id) without a repository;
  // prune-handlers.ts: this scheduler's handlers ConfigMaps
  p('', 'configmaps', 'list'),
  // event-configmap-cache.ts: the open event ConfigMaps (store.subscribe wakes the dispatcher;
  // its cache answers the store's reads and the uids)
  p('', 'configmaps', 'watch'),
  // configmap-store.ts putEvent, putCursor (first time); publish-handlers.ts
  p('', 'configmaps', 'create'),
  // configmap-store.ts updateEvent (read-modify-write), putCursor (replace)
  p('', 'configmaps', 'update'),
  // configmap-store.ts deleteEvent (retention, prune-events.ts); prune-handlers.ts
  p('', 'configmaps', 'delete'),
  // run-informers.ts: the run Jobs; job-executor.ts readJob() (by name) of a Job the informer
  // has not got; prune-handlers.ts: the Jobs' quickcd.dev/handlers annotations
  p('batch', 'jobs', 'list'),
  // run-informers.ts: the run Jobs
  p('batch', 'jobs', 'watch'),
  // job-executor.ts launch()
  p('batch', 'jobs', 'create'),
  // job-executor.ts release(): quickcd's finalizer taken off once the outcome is recorded
  p('batch', 'jobs', 'patch'),
  // run-informers.ts: the run Pods; job-executor.ts a finished Job's Pods the informer lags
  p('', 'pods', 'list'),
  // run-informers.ts: the run Pods, whose last state survives their deletion at the deadline
  p('', 'pods', 'watch'),
  // job-executor.ts release(): quickcd's finalizer taken off the run's Pods
  p('', 'pods', 'patch'),
  // create-history-keeper.ts: a finished run's output tail (its Pod found with pods list)
  p('', 'pods/log', 'get'),
  // lease-leadership.ts read()
  p('coordination.k8s.io', 'leases', 'get'),
  // lease-leadership.ts tryAcquire() when there is no Lease yet
  p('coordination.k8s.io', 'leases', 'create'),
  // lease-leadership.ts: take over, renew, release (replace with resourceVersion)
  p('coordination.k8s.io', 'leases', 'update'),
  // record-kube-event.ts: Kubernetes Events on the event ConfigMaps (whose uid it gets)
  p('events.k8s.io', 'events', 'create'),
];

const key = (x: Permission): string => `${x.group}/${x.resource}:${x.verb}`;

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const namespace = 'quickcd';
const repo = 'acme/webapp';
const log = pino({ level: process.env.ROLE_TEST_LOG ?? 'silent' });
let cluster: TestCluster;
/** The chart's scheduler ServiceAccount, through the proxy like the scheduler would be. */
let asScheduler: KubeConfig;

describeCluster("the scheduler's Role", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace);
    const installed = await cluster.helm([
      'install',
      'quickcd',
      chartDir,
      '--namespace',
      namespace,
      '-f',
      valuesFile(REQUIRED),
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    // The chart's ServiceAccount (it exists: the chart made it), through the proxy.
    asScheduler = await cluster.serviceAccountKubeConfig(namespace, 'quickcd');
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('as rendered by helm, is exactly the list of calls the code makes', async () => {
    const { objects } = await render({}, { namespace });
    const role = find(objects, 'Role', 'quickcd-scheduler');
    const rules = role.rules as Rule[];
    expect(rules.filter((r) => r.resourceNames)).toEqual([]);
    const granted = rules.flatMap((r) =>
      r.apiGroups.flatMap((group) =>
        r.resources.flatMap((resource) => r.verbs.map((verb) => p(group, resource, verb))),
      ),
    );
    expect(granted.map(key).sort()).toEqual(USED.map(key).sort());
    expect(new Set(granted.map(key)).size).toBe(granted.length);
  });

  it("is enough: quickcd's adapters do all they do as the chart's ServiceAccount", async () => {
    const config = loadConfig({
      QUICKCD_RUNNER_SERVICE_ACCOUNT: 'quickcd-runner',
      QUICKCD_GITHUB_URL: 'http://127.0.0.1:9/api/v3',
    });
    const core = asScheduler.makeApiClient(CoreV1Api);
    const batch = asScheduler.makeApiClient(BatchV1Api);

    // leader election: get (none), create; release: get, update; again: get, update
    const leadership = createLeaseLeadership({
      kubeConfig: asScheduler,
      namespace,
      name: 'quickcd',
      identity: 'role-test',
      leaseDurationSeconds: 15,
      log,
    });
    await leadership.acquire(new AbortController().signal);
    await leadership.release();
    await leadership.acquire(new AbortController().signal);
    await leadership.release();

    // event store: watch, create, get, list, update, delete; the cursor: update, create, get
    const store = createConfigMapStore({ kubeConfig: asScheduler, namespace, log });
    let changed!: () => void;
    const woken = new Promise<void>((resolve) => (changed = resolve));
    const unsubscribe = store.subscribe?.(() => changed());
    const raw = makeEvent('PushEvent', pushPayload('refs/heads/main'), { repo });
    const id = String(raw.id);
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
    expect(await store.putEvent(event)).toBe(true);
    await woken;
    unsubscribe?.();
    expect((await store.getEvent(id, repo))?.id).toBe(id);
    expect((await store.getEvent(id))?.id).toBe(id);
    expect((await store.listEvents({ repo })).map((e) => e.id)).toEqual([id]);
    await store.updateEvent(repo, id, (e) => ({ ...e, status: 'running' }));
    await store.putCursor(repo, { seen: [id], lastEventId: id, pageEtags: {} });
    await store.putCursor(repo, { seen: [id], lastEventId: id, pageEtags: {}, etag: '"x"' });
    expect((await store.getCursor(repo))?.etag).toBe('"x"');

    // handlers: create, and get after the 409 of publishing the same file again
    const files = writeFiles({ 'v1.ts': "console.log('v1');\n", 'v2.ts': "console.log('v2');\n" });
    const publish = (file: string) =>
      publishHandlers({ core, namespace, file: files.path(file), scheduler: 'quickcd', log });
    const v1 = await publish('v1.ts');
    expect(await publish('v1.ts')).toEqual(v1);

    // one Job: get the event ConfigMap, create; find: get; a 409 adopts
    const executor = createJobExecutor({
      kubeConfig: asScheduler,
      namespace,
      config,
      handlers: v1,
      log,
    });
    const spec = {
      event,
      lane: 'blocking' as const,
      attempt: 1,
      completed: [],
      timeoutSeconds: 60,
    };
    const launch = await executor.launch(spec);
    expect(launch).toEqual({ name: expect.any(String), adopted: false });
    expect(await executor.launch(spec)).toEqual({ name: launch.name, adopted: true });
    // observe(): a list by name while no informer runs (a fresh executor)
    const fresh = createJobExecutor({
      kubeConfig: asScheduler,
      namespace,
      config,
      handlers: v1,
      log,
    });
    expect(await fresh.observe(spec)).toEqual({ state: 'running', name: launch.name });

    // the informers: list and watch the run Jobs and their Pods (a Job created by someone else
    // arrives), observe() answering from the cache
    let seen!: () => void;
    const added = new Promise<void>((resolve) => (seen = resolve));
    const second = { ...spec, attempt: 2 };
    const stop = fresh.subscribe(() => {
      void fresh.observe(second).then((o) => {
        if (o.state === 'running') seen();
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    await executor.launch(second); // another executor: only fresh's watch can tell it
    await added;
    stop();

    // the call outcomeOf() makes for a finished Job whose Pod the informer lags
    await core.listNamespacedPod({ namespace, labelSelector: `job-name=${launch.name}` });
    // release(): quickcd's finalizer taken off (patch)
    await fresh.release?.(spec);
    expect(
      (
        await cluster
          .kubeConfig()
          .makeApiClient(BatchV1Api)
          .readNamespacedJob({ namespace, name: launch.name })
      ).metadata?.finalizers ?? [],
    ).toEqual([]);

    // pruning: list handlers ConfigMaps, list Jobs, delete the one no Job mounts
    const v2 = await publish('v2.ts');
    const old = writeFiles({ 'h.ts': "console.log('v0');\n" });
    const v0 = await publishHandlers({
      core,
      namespace,
      file: old.path('h.ts'),
      scheduler: 'quickcd',
      log,
    });
    const pruned = await pruneHandlers({
      core,
      batch,
      namespace,
      scheduler: 'quickcd',
      current: v2.name,
      log,
    });
    expect(pruned.deleted).toEqual([v0.name]);

    // a Kubernetes Event on the event ConfigMap: get (its uid), create
    const recorder = createKubeEventRecorder({
      kubeConfig: asScheduler,
      namespace,
      identity: 'role-test',
      log,
      clock: systemClock,
    });
    recorder.observer.launched?.({
      event,
      lane: 'blocking',
      attempt: 1,
      launch: launch.name,
      adopted: false,
    });
    await recorder.flush();
    const described = await cluster.kubectl([
      '-n',
      namespace,
      'get',
      'events.events.k8s.io',
      '-o',
      'json',
    ]);
    expect(described.stdout).toContain(`launched blocking run ${launch.name} (attempt 1)`);

    // a run's history: its Pods (list), their log (none here: no node runs the Job), the event
    // ConfigMap (get, its uid), the history ConfigMap (get, create)
    const keeper = createHistoryKeeper({
      kubeConfig: asScheduler,
      namespace,
      log,
      clock: systemClock,
    });
    keeper.observer.outcomeRecorded?.({
      event,
      lane: 'blocking',
      attempt: 1,
      ok: true,
      seconds: 1,
      launch: launch.name,
    });
    await keeper.flush();
    const kept = await readRunHistory(core, namespace, eventConfigMapName(repo, id));
    expect(kept.map((r) => r.job)).toEqual([launch.name]);

    // retention
    await store.deleteEvent(repo, id);
    expect(await store.getEvent(id, repo)).toBeUndefined();
  });

  it('grants nothing else: what the scheduler never does is refused', async () => {
    // Asked as the ServiceAccount itself (the suite's proxy does not pass `kubectl --as` on).
    const auth = asScheduler.makeApiClient(AuthorizationV1Api);
    const canI = async (verb: string, resource: string, ns = namespace): Promise<boolean> => {
      const [name = '', group = ''] = resource.split(/\.(.*)/s);
      const [plural = '', subresource] = name.split('/');
      const review = await auth.createSelfSubjectAccessReview({
        body: {
          spec: {
            resourceAttributes: {
              namespace: ns,
              verb,
              group,
              resource: plural,
              ...(subresource ? { subresource } : {}),
            },
          },
        },
      });
      return review.status?.allowed === true;
    };
    for (const used of USED) {
      const resource = used.group ? `${used.resource}.${used.group}` : used.resource;
      expect(await canI(used.verb, resource), `${used.verb} ${resource}`).toBe(true);
    }
    for (const [verb, resource] of [
      ['patch', 'configmaps'],
      ['deletecollection', 'configmaps'],
      ['delete', 'jobs.batch'],
      ['update', 'jobs.batch'],
      ['get', 'pods'],
      ['get', 'secrets'],
      ['list', 'secrets'],
      ['delete', 'leases.coordination.k8s.io'],
      ['list', 'leases.coordination.k8s.io'],
      ['create', 'events'],
    ] as const) {
      expect(await canI(verb, resource), `${verb} ${resource}`).toBe(false);
    }
    expect(await canI('get', 'configmaps', 'default'), 'nothing outside its namespace').toBe(false);
  });
});
