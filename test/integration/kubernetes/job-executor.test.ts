import { gzipSync } from 'node:zlib';
import { BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { createJobExecutor } from '../../../scheduler/kubernetes/job-executor.js';
import {
  LABEL,
  MANAGED_BY,
  eventConfigMapName,
  repoLabel,
} from '../../../scheduler/kubernetes/names.js';
import {
  publishHandlers,
  type PublishedHandlers,
} from '../../../scheduler/kubernetes/publish-handlers.js';
import type { Executor, LaunchSpec } from '../../../scheduler/ports/executor.js';
import type { StoredEvent } from '../../../scheduler/ports/event-store.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { startKubeServer, type KubeTestServer } from '../../support/kube-server/index.js';

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
`;

let server: KubeTestServer;
let kubeConfig: KubeConfig;
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

beforeAll(async () => {
  server = await startKubeServer({ namespace });
  kubeConfig = server.kubeConfig();
  core = kubeConfig.makeApiClient(CoreV1Api);
  batch = kubeConfig.makeApiClient(BatchV1Api);
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'deploy' }, stringData: { DEPLOY_TOKEN: 'deploy-s3cret-value' } },
  });
  const f = writeFiles({ 'handlers.ts': HANDLERS });
  handlersFile = f.path('handlers.ts');
  handlers = await publishHandlers({
    core,
    namespace,
    file: handlersFile,
    scheduler: 'quickcd-scheduler',
    log,
  });
});
afterAll(async () => server?.close());

function executor(resyncMs = 60_000): Executor {
  return createJobExecutor({ kubeConfig, namespace, config, handlers, log, resyncMs });
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

const never = new AbortController().signal;

async function podLog(jobName: string): Promise<string> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
  return server.podLogs(namespace, pods.items[0]?.metadata?.name ?? '');
}

describe('Kubernetes Job executor', () => {
  it('publishes the handlers once, immutable and content-addressed', async () => {
    const cm = server.get('configmaps', namespace, handlers.name);
    expect(cm).toMatchObject({
      immutable: true,
      metadata: { labels: { [LABEL.managedBy]: 'quickcd', [LABEL.kind]: 'handlers' } },
    });
    // What is published is the bundle the runner loads as is: one module, source-mapped.
    const bundle = (cm as unknown as { data: Record<string, string> }).data['handlers.mjs'];
    expect(bundle).toMatch(/^\/\/ quickcd handlers bundle of \/\S+\/handlers\.ts\n/);
    expect(bundle).toContain('name: "slow"');
    expect(bundle).toContain('//# sourceMappingURL=data:application/json;base64,');
    expect(
      await publishHandlers({
        core,
        namespace,
        file: handlersFile,
        scheduler: 'quickcd-scheduler',
        log,
      }),
    ).toEqual(handlers);
  });

  it('runs a Job to success with per-handler results, observed by a watch', async () => {
    const spec = await storeEvent('refs/heads/main');
    const ex = executor();
    const launch = await ex.launch(spec);
    expect(launch).toEqual({ name: `quickcd-acme-webapp-${spec.event.id}-b1`, adopted: false });
    const started = Date.now();
    const outcome = await ex.wait(launch, spec, never);
    expect(outcome).toEqual({
      ok: true,
      results: [{ name: 'echo', lane: 'blocking', ok: true, durationMs: expect.any(Number) }],
    });
    // resyncMs is 60 s: only the watch can have seen it finish this soon.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(
      server.requests.some(
        (r) =>
          r.path === `/apis/batch/v1/namespaces/${namespace}/jobs` && /watch=true/.test(r.query),
      ),
    ).toBe(true);
    const job = await batch.readNamespacedJob({ namespace, name: launch.name });
    expect(job.metadata?.labels).toMatchObject({
      [LABEL.eventId]: spec.event.id,
      [LABEL.lane]: 'blocking',
      [LABEL.attempt]: '1',
    });
    expect(job.metadata?.ownerReferences?.[0]?.uid).toBe(
      server.get('configmaps', namespace, eventConfigMapName(repo, spec.event.id))?.metadata.uid,
    );
    const output = await podLog(launch.name);
    // Without GitHub credentials the runner reports to its log (console reporter).
    expect(output).toContain('┌─ comment on');
    expect(output).toContain(`event ${spec.event.id} of acme/webapp`);
    // The runner Secret reached the handler as env, and its value is redacted from the log.
    expect(output).toContain(`ECHO ${spec.event.id} token=`);
    expect(output).not.toContain('deploy-s3cret-value');
    expect(output).not.toContain('token=none');
  });

  it('reports a failing handler with its error, and skips completed handlers', async () => {
    const spec = { ...(await storeEvent('refs/heads/fail')), completed: ['echo'] };
    const ex = executor();
    const outcome = await ex.wait(await ex.launch(spec), spec, never);
    expect(outcome.ok).toBe(false);
    expect(outcome.results).toEqual([
      {
        name: 'fail',
        lane: 'blocking',
        ok: false,
        durationMs: expect.any(Number),
        error: 'deploy broke',
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
    expect((await ex.wait(launch, spec, never)).ok).toBe(true);
  });

  it('adopts a Job launched before, and finds and waits for it after a restart', async () => {
    const spec = await storeEvent('refs/heads/main');
    const first = executor();
    const launch = await first.launch(spec);
    expect(await first.launch(spec)).toEqual({ name: launch.name, adopted: true });
    // A new scheduler process: a fresh executor instance.
    const restarted = executor();
    expect(await restarted.find({ ...spec, attempt: 2 })).toBeUndefined();
    const found = await restarted.find(spec);
    expect(found).toEqual({ name: launch.name, adopted: true });
    expect((await restarted.wait(found!, spec, never)).ok).toBe(true);
    const jobs = await batch.listNamespacedJob({
      namespace,
      labelSelector: `${LABEL.eventId}=${spec.event.id}`,
    });
    expect(jobs.items).toHaveLength(1);
  });

  it('fails a run past its deadline with a reason saying so', async () => {
    const spec = await storeEvent('refs/heads/slow', { timeoutSeconds: 2 });
    const ex = executor();
    const outcome = await ex.wait(await ex.launch(spec), spec, never);
    expect(outcome.ok).toBe(false);
    expect(outcome.reason).toMatch(/DeadlineExceeded/);
    expect(outcome.reason).toMatch(/deadline/);
  });

  it('still sees a Job finish when the watch drops (resync and re-watch)', async () => {
    const spec = await storeEvent('refs/heads/main');
    const ex = executor();
    const launch = await ex.launch(spec);
    const waiting = ex.wait(launch, spec, never);
    await new Promise((r) => setTimeout(r, 100));
    server.fault({ kind: 'drop-watches' });
    expect((await waiting).ok).toBe(true);
  });

  it('resolves with ok false when the Job is deleted while running', async () => {
    const spec = await storeEvent('refs/heads/slow');
    const ex = executor();
    const launch = await ex.launch(spec);
    const waiting = ex.wait(launch, spec, never);
    await new Promise((r) => setTimeout(r, 300));
    await batch.deleteNamespacedJob({
      namespace,
      name: launch.name,
      propagationPolicy: 'Background',
    });
    const outcome = await waiting;
    expect(outcome.ok).toBe(false);
    expect(outcome.results).toBeUndefined();
    expect(outcome.reason).toMatch(/deleted/);
  });

  it('rejects a wait only when its signal aborts', async () => {
    const spec = await storeEvent('refs/heads/slow');
    const ex = executor();
    const launch = await ex.launch(spec);
    const stop = new AbortController();
    const waiting = ex.wait(launch, spec, stop.signal);
    setTimeout(() => stop.abort(new Error('shutting down')), 200);
    await expect(waiting).rejects.toThrow('shutting down');
    await batch.deleteNamespacedJob({
      namespace,
      name: launch.name,
      propagationPolicy: 'Background',
    });
  });

  it('fails to launch, with a code, when the event ConfigMap is missing', async () => {
    const spec = await storeEvent('refs/heads/main');
    await core.deleteNamespacedConfigMap({
      namespace,
      name: eventConfigMapName(repo, spec.event.id),
    });
    await expect(executor().launch(spec)).rejects.toMatchObject({ code: 'EXECUTOR_FAILED' });
  });
});
