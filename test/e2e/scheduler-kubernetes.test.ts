import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BatchV1Api, CoreV1Api, type V1ConfigMap, type V1Job } from '@kubernetes/client-node';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../../scheduler/kubernetes/names.js';
import { eventually } from '../support/eventually.js';
import { tempDir } from '../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { startKubeServer, type KubeTestServer } from '../support/kube-server/index.js';
import { runCli } from '../support/run-cli.js';
import { startSchedulerProcess, type SchedulerProcess } from '../support/scheduler-process.js';

/**
 * The real scheduler process with its Kubernetes adapters (ConfigMap store, Job executor, Lease)
 * against the Kubernetes API test server — or a real cluster when QUICKCD_E2E_KUBECONFIG is set
 * (see the README) — and the GitHub API test server.
 */
const REAL = process.env.QUICKCD_E2E_KUBECONFIG;
const execFileP = promisify(execFile);
const kubectl = await execFileP('kubectl', ['version', '--client'])
  .then(() => true)
  .catch(() => false);
if (!kubectl)
  console.warn('kubectl not found on PATH: the kubectl checks of the e2e suite are skipped');

// Behaviour is chosen by the pushed ref, so that it works in a Pod of a real cluster too.
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  const sh = ctx.loggingShell(log);
  await sh\`echo deploying \${ctx.event.id}\`;
  if (p.ref === 'refs/heads/slow') await sh\`sleep 6\`;
  if (p.ref === 'refs/heads/fail') throw new Error('deploy broke');
}, { name: 'deploy' });
`;

const SHA = 'beef'.padEnd(40, '0');
let github: GitHubTestServer;
let kube: KubeTestServer | undefined;
let kubeconfigPath: string;
let namespace: string;
let core: CoreV1Api;
let batch: BatchV1Api;
let dir: string;
let repo: string;
let run = 0;
const processes: SchedulerProcess[] = [];

beforeAll(async () => {
  github = await startGitHubServer({
    pollInterval: 1,
    ...(REAL ? { host: '0.0.0.0' } : {}),
  });
});
afterAll(async () => {
  await github.close();
});

async function setUp(): Promise<void> {
  dir = tempDir('quickcd-e2e-kube-');
  writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
  repo = `acme/e2e-${process.pid}-${++run}`;
  if (REAL) {
    kubeconfigPath = REAL;
    namespace = process.env.QUICKCD_E2E_NAMESPACE ?? 'quickcd-e2e';
  } else {
    namespace = 'cd';
    kubeconfigPath = join(dir, 'kubeconfig');
    kube = await startKubeServer({ namespace, kubeconfigPath });
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  kc.setCurrentContext(kc.getCurrentContext());
  core = kc.makeApiClient(CoreV1Api);
  batch = kc.makeApiClient(BatchV1Api);
  await core
    .createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'quickcd-github' }, stringData: { token: github.token } },
    })
    .catch(() => undefined); // exists (real cluster)
}

afterEach(async () => {
  for (const p of processes.splice(0)) await p.stop('SIGKILL');
  await kube?.close();
  kube = undefined;
});

function start(identity = 'one'): SchedulerProcess {
  const githubUrl = REAL
    ? github.url.replace('0.0.0.0', process.env.QUICKCD_E2E_GITHUB_HOST ?? '127.0.0.1')
    : github.url;
  const p = startSchedulerProcess(
    ['--handlers', join(dir, 'handlers.ts'), '--kubeconfig', kubeconfigPath],
    {
      QUICKCD_NAMESPACE: namespace,
      QUICKCD_GITHUB_URL: githubUrl,
      QUICKCD_GITHUB_TOKEN: github.token,
      QUICKCD_REPO: repo,
      QUICKCD_POLL_INTERVAL: '1',
      QUICKCD_RETRY_BASE_SECONDS: '1',
      QUICKCD_COMMENT_INTERVAL: '0',
      QUICKCD_CLUSTER_ID: 'test/kube/e2e',
      QUICKCD_LEASE_NAME: `quickcd-${repo.split('/')[1]}`,
      QUICKCD_LEASE_DURATION: '3',
      QUICKCD_IDENTITY: identity,
      ...(process.env.QUICKCD_E2E_RUNNER_IMAGE
        ? { QUICKCD_RUNNER_IMAGE: process.env.QUICKCD_E2E_RUNNER_IMAGE }
        : {}),
    },
  );
  processes.push(p);
  return p;
}

const pushEvent = (ref = 'refs/heads/main') =>
  github.addEvent(repo, {
    type: 'PushEvent',
    payload: { repository_id: 1, push_id: 2, ref, head: SHA, before: '0'.repeat(40) },
  });

async function eventConfigMaps(): Promise<V1ConfigMap[]> {
  const { items } = await core.listNamespacedConfigMap({
    namespace,
    labelSelector: `${LABEL.kind}=event,${LABEL.repo}=${repo.replace('/', '.')}`,
  });
  return items;
}
async function statusOf(id: string): Promise<string | undefined> {
  const cm = (await eventConfigMaps()).find((c) => c.metadata?.labels?.[LABEL.eventId] === id);
  return cm?.metadata?.labels?.[LABEL.status];
}
async function jobsOf(id: string): Promise<V1Job[]> {
  const { items } = await batch.listNamespacedJob({
    namespace,
    labelSelector: `${LABEL.eventId}=${id}`,
  });
  return items;
}
const runsOf = (id: string) =>
  github.commitComments(repo, SHA).filter((c) => c.body.includes(`deploying ${id}`)).length;
const kubectlRun = async (...args: string[]) =>
  (await execFileP('kubectl', ['--kubeconfig', kubeconfigPath, '-n', namespace, ...args])).stdout;

describe('quickcd scheduler on Kubernetes', { timeout: 180_000 }, () => {
  it('events become ConfigMaps, then one Job each, serially; comments reach GitHub', async () => {
    await setUp();
    const scheduler = start();
    await scheduler.waitForLog('polled', {}, 60_000);
    const a = pushEvent();
    const b = pushEvent();
    await eventually(async () => (await statusOf(b.id)) === 'handled', 'b handled', 120_000);
    expect(await statusOf(a.id)).toBe('handled');

    const [jobA] = await jobsOf(a.id);
    const [jobB] = await jobsOf(b.id);
    expect(jobA?.metadata?.labels).toMatchObject({
      [LABEL.lane]: 'blocking',
      [LABEL.attempt]: '1',
    });
    // Serial: b's Job was created only once a's had finished.
    expect(Date.parse(String(jobB!.metadata!.creationTimestamp))).toBeGreaterThanOrEqual(
      Date.parse(String(jobA!.status!.completionTime)) - 1000,
    );
    expect(runsOf(a.id)).toBe(1);
    expect(github.commitComments(repo, SHA)[0]!.body).toContain('## test/kube/e2e: deploy');

    const table = await runCli(
      ['events', '--kubeconfig', kubeconfigPath, '--namespace', namespace],
      { env: {} },
    );
    expect(table.stdout).toMatch(new RegExp(`${a.id}\\s+${repo}\\s+PushEvent\\s+handled`));
    const logs = await runCli(
      ['logs', a.id, '--kubeconfig', kubeconfigPath, '--namespace', namespace],
      { env: {} },
    );
    expect(logs.stdout).toContain(`deploying ${a.id}`);
    expect(logs.stdout).not.toContain(github.token);

    if (kubectl) {
      expect(await kubectlRun('get', 'configmaps', '-l', 'quickcd.dev/kind=event')).toContain(
        jobA!.metadata!.ownerReferences![0]!.name,
      );
      expect(await kubectlRun('get', 'jobs')).toContain(jobB!.metadata!.name);
      expect(await kubectlRun('logs', `job/${jobA!.metadata!.name}`)).toContain(
        `deploying ${a.id}`,
      );
    }
    expect(await scheduler.stop()).toBe(0);
  });

  it('kill -9 while a Job runs: the new scheduler adopts it, nothing runs twice', async () => {
    await setUp();
    const first = start();
    await first.waitForLog('polled', {}, 60_000);
    const a = pushEvent('refs/heads/slow');
    await eventually(async () => (await jobsOf(a.id)).length === 1, 'a Job', 60_000);
    await first.stop('SIGKILL');
    const b = pushEvent(); // arrives while no scheduler runs
    const second = start();
    await second.waitForLog('adopted a run launched before a restart', { eventId: a.id }, 60_000);
    await eventually(async () => (await statusOf(b.id)) === 'handled', 'b handled', 120_000);
    expect(await statusOf(a.id)).toBe('handled');
    expect(await jobsOf(a.id)).toHaveLength(1);
    expect(runsOf(a.id)).toBe(1);
    await second.stop();
  });

  it('two schedulers: one leads; when it dies the other takes over and a held lane is skipped', async () => {
    await setUp();
    const one = start('one');
    await one.waitForLog('leading: polling', {}, 60_000);
    const two = start('two');
    await two.waitForLog('waiting for leadership');
    await new Promise((r) => setTimeout(r, 4000)); // more than a lease duration
    expect(two.logs.some((l) => l.msg === 'leading: polling')).toBe(false);

    await one.stop('SIGKILL');
    const killedAt = Date.now();
    await two.waitForLog('leading: polling', {}, 30_000);
    expect(Date.now() - killedAt).toBeLessThan(3000 + 5000); // lease duration + slack

    const a = pushEvent('refs/heads/fail');
    const b = pushEvent();
    await eventually(async () => (await statusOf(a.id)) === 'failed', 'a failed', 120_000);
    expect(await statusOf(b.id)).toBe('pending'); // held behind a
    const skip = await runCli(
      ['skip', a.id, '--kubeconfig', kubeconfigPath, '--namespace', namespace],
      { env: {} },
    );
    expect(skip.code, skip.stderr).toBe(0);
    await eventually(
      async () => (await statusOf(b.id)) === 'handled',
      'b handled after skip',
      120_000,
    );
    expect(await statusOf(a.id)).toBe('skipped');

    // quickcd retry brings it back: a new attempt runs (and fails again: the ref says so).
    // b already ran after a, so only with --force (the lane's order is broken on purpose).
    const jobsBefore = (await jobsOf(a.id)).length;
    const retryArgs = ['retry', a.id, '--kubeconfig', kubeconfigPath, '--namespace', namespace];
    const refused = await runCli(retryArgs, { env: {} });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`newer event ${b.id} (PushEvent) already ran`);
    const retry = await runCli([...retryArgs, '--force'], { env: {} });
    expect(retry.code, retry.stderr).toBe(0);
    await eventually(async () => (await jobsOf(a.id)).length > jobsBefore, 'a new attempt', 60_000);
    await two.stop();
  });
});
