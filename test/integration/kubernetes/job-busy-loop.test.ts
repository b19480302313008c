import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
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
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { waitForRun } from '../../support/wait-for-run.js';

/**
 * A runner Job whose handler blocks the event loop and ignores SIGTERM is stopped and still
 * reports its result, on the real control plane (issue 11, point 5 in the Kubernetes executor):
 * past the handler's timeout, and when the Job controller stops the Pod at its deadline.
 */
const namespace = 'cd';
const repo = 'acme/webapp';
const log = pino({ level: 'silent' });
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (p) => {
  process.on('SIGTERM', () => {});
  for (;;) {}
}, { name: 'busy', timeoutSeconds: 1, filter: (p) => p.ref === 'refs/heads/busy' });
on('PushEvent', async () => {
  process.on('SIGTERM', () => {});
  for (;;) {}
}, { name: 'stuck', timeoutSeconds: 3600, filter: (p) => p.ref === 'refs/heads/stuck' });
`;

let cluster: TestCluster;
let kubeConfig: KubeConfig;
let core: CoreV1Api;
let handlers: PublishedHandlers;
let nextId = 47_000_000_000n;
const config = loadConfig({
  QUICKCD_CLUSTER_ID: 'test/local/kube',
  QUICKCD_GITHUB_URL: 'http://127.0.0.1:9/api/v3',
});

async function storeEvent(ref: string, timeoutSeconds: number): Promise<LaunchSpec> {
  const id = String(++nextId);
  const raw = makeEvent('PushEvent', pushPayload(ref), { id, repo });
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
      data: { 'event.json': JSON.stringify(raw) },
    },
  });
  return {
    event: {
      repo,
      id,
      type: 'PushEvent',
      event: parseEvent(raw),
      status: 'pending',
      lanes: {},
      handlers: {},
      storedAt: new Date().toISOString(),
      late: false,
    },
    lane: 'blocking',
    attempt: 1,
    completed: [],
    timeoutSeconds,
  };
}

async function run(ex: Executor, spec: LaunchSpec) {
  await ex.launch(spec);
  const outcome = await waitForRun(ex, spec, { timeoutMs: 80_000 });
  await ex.release?.(spec);
  return outcome;
}

describeCluster(
  'Kubernetes Job: a handler that blocks the event loop',
  { timeout: 120_000 },
  () => {
    beforeAll(async () => {
      // The Pod's grace period as in a real cluster (30 s), not the test cluster's cap of 5 s
      // (the supervisor's own grace): the SIGKILL would come before the supervisor's.
      cluster = await startTestCluster({ maxGraceSeconds: 30 });
      await cluster.createNamespace(namespace, 'restricted');
      kubeConfig = cluster.kubeConfig();
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
        scheduler: 'quickcd-scheduler',
        log,
      });
    }, 120_000);
    afterAll(async () => cluster?.stop());

    const executor = () => createJobExecutor({ kubeConfig, namespace, config, handlers, log });

    it('is killed once its timeout and the grace have passed; the result says so', async () => {
      const spec = await storeEvent('refs/heads/busy', 60);
      const outcome = await run(executor(), spec);
      expect(outcome.ok).toBe(false);
      expect(outcome.results).toEqual([
        {
          name: 'busy',
          lane: 'blocking',
          ok: false,
          durationMs: expect.any(Number),
          error: expect.stringMatching(/^killed: handler busy did not stop within 5 s/),
          code: 'HANDLER_TIMEOUT',
        },
      ]);
      // Well before the Job's deadline (60 s) ended it.
      expect(outcome.reason ?? '').not.toMatch(/deadline/);
    });

    it('is killed within the grace when the Job controller stops its Pod at the deadline', async () => {
      // Long enough for the handler to be looping when the Pod is told to stop.
      const spec = await storeEvent('refs/heads/stuck', 20);
      const outcome = await run(executor(), spec);
      expect(outcome.ok).toBe(false);
      expect(outcome.reason).toMatch(/deadline/);
      // The supervisor killed it 5 s after the SIGTERM, within the Pod's grace period (30 s),
      // and wrote the result: the Pod's termination message carries it.
      expect(outcome.results).toEqual([
        {
          name: 'stuck',
          lane: 'blocking',
          ok: false,
          durationMs: expect.any(Number),
          error: expect.stringMatching(/^killed: the runner did not stop within 5 s of SIGTERM/),
          code: 'HANDLER_FAILED',
        },
      ]);
    });
  },
);
