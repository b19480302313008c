// PodSecurity `restricted`, enforced by the real API server, accepts the scheduler Pod the
// chart renders and the runner Job the scheduler builds from the chart's settings.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, BatchV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { jobManifest } from '../../../scheduler/kubernetes/job-manifest.js';
import { eventConfigMapName, jobName } from '../../../scheduler/kubernetes/names.js';
import type { LaunchSpec } from '../../../scheduler/ports/executor.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';
import {
  REQUIRED,
  chartDir,
  find,
  render,
  schedulerEnv,
  valuesFile,
  type Values,
} from './chart.js';

const namespace = 'quickcd';
const repo = 'acme/webapp';
let cluster: TestCluster;
let core: CoreV1Api;

/** Why a server-side dry-run create of `pod` in the restricted namespace was refused, if it was. */
async function refusal(pod: V1Pod): Promise<string | undefined> {
  try {
    await core.createNamespacedPod({
      namespace,
      body: pod,
      dryRun: 'All',
      fieldValidation: 'Strict',
    });
    return undefined;
  } catch (e) {
    if (e instanceof ApiException) {
      return (JSON.parse(String(e.body)) as { message?: string }).message ?? String(e.body);
    }
    throw e;
  }
}

const podOf = (name: string, spec: V1Pod['spec']): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  ...(spec ? { spec } : {}),
});

/** The runner Job for one event, built from the settings the chart gives the scheduler. */
async function runnerJob(values: Values = {}) {
  const { objects } = await render(values, { namespace });
  const config = loadConfig(schedulerEnv(objects));
  const raw = makeEvent('PushEvent', pushPayload('refs/heads/main'), { repo });
  const id = String(raw.id);
  const spec: LaunchSpec = {
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
    timeoutSeconds: 60,
  };
  return jobManifest({
    spec,
    name: jobName(repo, id, 'blocking', 1),
    namespace,
    eventConfigMap: {
      name: eventConfigMapName(repo, id),
      uid: '3f7a3a5e-6a1f-4c1e-9d6e-0d1f8c2b7a10',
      gzip: false,
    },
    handlersConfigMap: { name: 'quickcd-handlers-0123456789ab', file: 'handlers.ts' },
    config,
  });
}

describeCluster('PodSecurity restricted and the chart', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace, 'restricted');
    core = cluster.admin.makeApiClient(CoreV1Api);
    // The chart's ServiceAccounts: a Pod naming a missing one is refused before PodSecurity.
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
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('is enforced: a Pod that is not restricted is refused', async () => {
    const why = await refusal(
      podOf('root', { containers: [{ name: 'c', image: 'busybox', command: ['true'] }] }),
    );
    expect(why).toContain('violates PodSecurity "restricted:latest"');
  });

  it('accepts the default scheduler Pod', async () => {
    const { objects } = await render({}, { namespace });
    const template = find(objects, 'Deployment').spec.template as { spec: V1Pod['spec'] };
    expect(await refusal(podOf('scheduler', template.spec))).toBeUndefined();
  });

  it.each([
    ['default settings', {}],
    [
      'runner Secrets, resources, a token and a flavour',
      {
        runner: {
          image: { flavour: 'kdep' },
          secrets: ['deploy-creds'],
          serviceAccount: { automountServiceAccountToken: true },
          job: { resources: { limits: { memory: '1Gi' } }, imagePullSecrets: ['regcred'] },
        },
      },
    ],
  ])('accepts the runner Job and its Pod (%s)', async (_name, values: Values) => {
    const job = await runnerJob(values);
    expect(
      await refusal(podOf('runner', job.spec?.template.spec)),
      'the Pod of the Job template',
    ).toBeUndefined();
    // The Job itself: strict field validation, and no PodSecurity warning for its template.
    const path = join(tmpdir(), `quickcd-job-${process.pid}-${Date.now()}.json`);
    writeFileSync(path, JSON.stringify(job));
    const applied = await cluster.kubectl([
      'apply',
      '--dry-run=server',
      '--validate=strict',
      '-f',
      path,
    ]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toBe('');
  });

  it('the real Job controller creates the runner Pod in the restricted namespace', async () => {
    const job = await runnerJob();
    // The event ConfigMap owns the Job: a real uid, as the executor reads it.
    const cm = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: job.metadata?.ownerReferences?.[0]?.name ?? '' }, data: {} },
    });
    const owner = job.metadata?.ownerReferences?.[0];
    if (owner) owner.uid = cm.metadata?.uid ?? '';
    const name = job.metadata?.name ?? '';
    await cluster.admin.makeApiClient(BatchV1Api).createNamespacedJob({ namespace, body: job });
    let pods: V1Pod[] = [];
    for (let i = 0; i < 100 && pods.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      pods = (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` })).items;
    }
    expect(pods).toHaveLength(1);
    const events = await core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.name=${name}`,
    });
    expect(events.items.filter((e) => e.reason === 'FailedCreate')).toEqual([]);
  });
});
