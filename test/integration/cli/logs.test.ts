import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { logsCommand } from '../../../cli/commands/logs.js';
import { loadConfig } from '../../../common/config.js';
import { parseEvent } from '../../../handlers/event.js';
import { createJobExecutor } from '../../../scheduler/kubernetes/job-executor.js';
import { LABEL, MANAGED_BY, eventConfigMapName } from '../../../scheduler/kubernetes/names.js';
import { publishHandlers } from '../../../scheduler/kubernetes/publish-handlers.js';
import type { LaunchSpec } from '../../../scheduler/ports/executor.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { makeEvent, pushPayload, tempDir, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';
import { waitForRun } from '../../support/wait-for-run.js';

// `quickcd logs` against the Jobs the executor ran on the real control plane: logs are read
// through the API server from the node agent's kubelet log endpoint, as in a cluster.
const namespace = 'logs';
const repo = 'acme/webapp';
const eventId = '47000000001';
const log = pino({ level: 'silent' });
let cluster: TestCluster;
/** The admin kubeconfig (through the fault proxy) with `logs` as its context's namespace. */
let kubeconfig: string;
const jobNames: string[] = [];

/** Runs `quickcd logs` in this process (the command object itself). */
async function logsInProcess(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const positionals = args.filter((a) => !a.startsWith('--'));
  const code = await logsCommand.run({
    env: { KUBECONFIG: kubeconfig },
    flags: {},
    positionals,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

async function setUp(): Promise<void> {
  cluster = await startTestCluster();
  await cluster.createNamespace(namespace, 'restricted');
  kubeconfig = join(tempDir(), 'kubeconfig');
  await copyFile(cluster.kubeconfigPath, kubeconfig);
  const set = await cluster.kubectl([
    'config',
    'set-context',
    '--current',
    `--namespace=${namespace}`,
    `--kubeconfig=${kubeconfig}`,
  ]);
  if (set.code !== 0) throw new Error(set.stderr);
  const kubeConfig = cluster.kubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name: 'quickcd-runner' }, automountServiceAccountToken: false },
  });
  const raw = makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: eventId, repo });
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: {
        name: eventConfigMapName(repo, eventId),
        labels: { [LABEL.managedBy]: MANAGED_BY, [LABEL.kind]: 'event' },
      },
      data: { 'event.json': JSON.stringify(raw) },
    },
  });
  const f = writeFiles({
    'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => { await ctx.sh\`echo deploying \${p.head.slice(0, 7)}\`; }, { name: 'deploy' });
on('PushEvent', async (p, ctx) => { if (ctx.event.id) throw new Error('smoke test failed'); }, { name: 'smoke' });
`,
  });
  const handlers = await publishHandlers({
    core,
    namespace,
    file: f.path('handlers.ts'),
    scheduler: 'quickcd-scheduler',
    log,
  });
  const executor = createJobExecutor({
    kubeConfig,
    namespace,
    config: loadConfig({}),
    handlers,
    log,
  });
  const base = {
    event: {
      repo,
      id: eventId,
      type: 'PushEvent',
      event: parseEvent(raw),
      status: 'pending',
      lanes: {},
      handlers: {},
      storedAt: new Date().toISOString(),
      late: false,
    },
    lane: 'blocking',
    completed: [],
    timeoutSeconds: 60,
  } satisfies Omit<LaunchSpec, 'attempt'>;
  // Attempt 2 launched first: the output is still in attempt order.
  for (const attempt of [2, 1]) {
    const spec: LaunchSpec = { ...base, attempt, completed: attempt === 2 ? ['deploy'] : [] };
    const launch = await executor.launch(spec);
    await waitForRun(executor, spec);
    await executor.release?.(spec);
    jobNames[attempt] = launch.name;
  }
}

function expectLogs(stdout: string): void {
  const first = `== job/quickcd-acme-webapp-${eventId}-b1 (blocking, attempt 1, handler failed) ==`;
  const second = `== job/quickcd-acme-webapp-${eventId}-b2 (blocking, attempt 2, handler failed) ==`;
  expect(stdout).toContain(first);
  expect(stdout).toContain(second);
  expect(stdout.indexOf(first)).toBeLessThan(stdout.indexOf(second));
  const [one = '', two = ''] = stdout.split(second);
  expect(one).toContain('deploying aaaaaaa');
  expect(one).toContain('smoke test failed');
  expect(two).not.toContain('deploying aaaaaaa');
  expect(two).toContain('smoke test failed');
}

describeCluster('quickcd logs on the real control plane', { timeout: 60_000 }, () => {
  beforeAll(setUp, 180_000);
  afterAll(async () => cluster?.stop());

  it('prints each Job of the event with a header, in attempt order', async () => {
    const r = await logsInProcess([eventId]);
    expect(r.code, r.stderr).toBe(0);
    expectLogs(r.stdout);
  });

  it('runs as the built CLI', async () => {
    const r = await runCli(['logs', eventId, '--kubeconfig', kubeconfig, '--repo', repo]);
    expect(r.code, r.stderr).toBe(0);
    expectLogs(r.stdout);
    const none = await runCli(['logs', '123', '--kubeconfig', kubeconfig]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no Job for event 123/);
  });

  it('exits 1 saying so when the event has no Job, and 2 without an event id', async () => {
    const none = await logsInProcess(['123']);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/no Job for event 123 in namespace logs/);
    expect(none.stderr).toMatch(/ttlSecondsAfterFinished/);
    await expect(logsInProcess([])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(logsInProcess(['abc'])).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('kubectl logs job/<name> shows the runner output, and kubectl get finds the Jobs', async () => {
    const logs = await cluster.kubectl(['logs', '-n', namespace, `job/${jobNames[1]}`]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('deploying aaaaaaa');
    // quickcd's own lines are short text lines (QUICKCD_LOG_FORMAT=json for JSON), not pino JSON.
    expect(logs.stdout).toMatch(/^\d\d:\d\d:\d\d INFO runner finished eventId=\d+ /m);
    expect(logs.stdout).not.toMatch(/^\{"level"/m);
    const jobs = await cluster.kubectl([
      'get',
      'jobs',
      '-n',
      namespace,
      '-l',
      `quickcd.dev/event-id=${eventId}`,
      '-o',
      'name',
    ]);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout.trim().split('\n').sort()).toEqual(
      [`job.batch/${jobNames[1]}`, `job.batch/${jobNames[2]}`].sort(),
    );
  });

  it('says when the Pods are gone (deleted after the ttl)', async () => {
    const core = cluster.admin.makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: `job-name=${jobNames[2]}`,
    });
    for (const pod of pods.items) {
      await core.deleteNamespacedPod({
        namespace,
        name: pod.metadata?.name ?? '',
        gracePeriodSeconds: 0,
      });
    }
    const r = await logsInProcess([eventId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/attempt 2, .*\) ==\n\(no Pod: .*ttlSecondsAfterFinished/);
  });
});
