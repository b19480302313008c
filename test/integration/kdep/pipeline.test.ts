// The kdep pipeline (quickcd/kdep) run by `quickcd run` (local mode) with the real helm and
// kubectl of the test cluster against the real API server; Deployment and Job Pods run through
// the test node agent. One App repository, pushed to step by step: install → upgrade → failing
// test rolls both charts back → failing install rolls the earlier upgrade back → secret change →
// dry run. Every claim is checked with helm/kubectl, not with the pipeline's own words only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { runCli, type CliResult } from '../../support/run-cli.js';
import {
  brokenChart,
  configMapChart,
  createAppRepo,
  deploymentChart,
  testChart,
  type AppRepo,
} from './app-repo.js';

let cluster: TestCluster;
let repo: AppRepo;
let work: string;
const SECRET_ONE = 'first-token-value-5fd1';
const SECRET_TWO = 'second-token-value-9c3e';

const HANDLERS = `
import { on } from 'quickcd';
import { deployPush } from 'quickcd/kdep';

on('PushEvent', async function deploy(payload, ctx) {
  await deployPush(payload, ctx, { source: ctx.env.vars.APP_SOURCE, testTimeoutSeconds: Number(ctx.env.vars.TEST_TIMEOUT ?? 60) });
}, { filter: (p) => p.ref === 'refs/heads/staging' });
`;

beforeAll(async () => {
  cluster = await startTestCluster();
  repo = createAppRepo();
  work = tempDir('quickcd-kdep-run-');
  writeFileSync(join(work, 'handlers.ts'), HANDLERS);
  await cluster.createNamespace('cd-secrets');
  await kubectl([
    'create',
    'secret',
    'generic',
    'web-token',
    '-n',
    'cd-secrets',
    `--from-literal=value=${SECRET_ONE}`,
  ]);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

async function kubectl(args: string[]): Promise<string> {
  const r = await cluster.kubectl(args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** `helm history -o json` of a release: [revision, status, description]. */
async function history(release: string): Promise<[number, string, string][]> {
  const r = await cluster.helm(['history', release, '-n', 'app', '-o', 'json']);
  if (r.code !== 0) return [];
  return (JSON.parse(r.stdout) as { revision: number; status: string; description: string }[]).map(
    (h) => [h.revision, h.status, h.description],
  );
}

async function releases(): Promise<string[]> {
  const r = await cluster.helm(['list', '--all', '-n', 'app', '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { name: string }[]).map((x) => x.name).sort();
}

/** Pushes `before..head` to staging through `quickcd run`. */
async function push(
  before: string,
  head: string,
  env: Record<string, string> = {},
): Promise<CliResult> {
  const events = join(work, `events-${head}.json`);
  writeFileSync(
    events,
    JSON.stringify([
      makeEvent('PushEvent', { ...pushPayload('refs/heads/staging', head), before }),
    ]),
  );
  const r = await runCli(['run', '--events', events, '--handlers', join(work, 'handlers.ts')], {
    timeoutMs: 240_000,
    env: {
      PATH: `${cluster.binDir}:${process.env.PATH ?? ''}`,
      KUBECONFIG: cluster.kubeconfigPath,
      HELM_CACHE_HOME: join(work, 'helm/cache'),
      HELM_CONFIG_HOME: join(work, 'helm/config'),
      HELM_DATA_HOME: join(work, 'helm/data'),
      QUICKCD_ENVIRONMENT: 'staging',
      KDEP_SECRETS_NAMESPACE: 'cd-secrets',
      APP_SOURCE: repo.dir,
      ...env,
    },
  });
  for (const secret of [SECRET_ONE, SECRET_TWO]) {
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout + r.stderr).not.toContain(Buffer.from(secret).toString('base64'));
  }
  return r;
}

const statuses = (r: CliResult) => r.stdout.match(/status (pending|success|failure)[^\n]*/g) ?? [];

describeCluster('quickcd/kdep on the real control plane', { timeout: 300_000 }, () => {
  let first: string;
  let second: string;
  let third: string;
  let fourth: string;

  it('installs the enabled charts, runs the integration test, skips the disabled one', async () => {
    first = repo.commit({
      ...configMapChart('app-api', 'v1'),
      ...deploymentChart('app-web', 'v1'),
      ...testChart('app-web-test', 'pass'),
      ...configMapChart('app-off', 'never', false),
      'README.md': 'the App repository\n',
    });
    const r = await push('0'.repeat(40), first);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(statuses(r).map((s) => s.split(' ')[1])).toEqual(['pending', 'pending', 'success']);
    expect(r.stdout).toMatch(/status pending .*Deploying charts/);
    expect(r.stdout).toMatch(/status pending .*Testing: app-web-test/);
    expect(r.stdout).toMatch(/status success .*Deployed 2 chart\(s\), tests passed/);
    expect(r.stdout).toContain('integration test says pass');
    expect(r.stdout).toMatch(/\| app-off \| app \| skipped \|/);
    expect(r.stdout).toMatch(/\| app-web \| app \| installed \| — \|/);
    expect(await releases()).toEqual(['app-api', 'app-web']);
    expect(await history('app-web')).toEqual([[1, 'deployed', 'Install complete']]);
    // the temporary test release is gone, and so is its Job
    const jobs = await kubectl(['get', 'jobs', '-n', 'app', '-o', 'name']);
    expect(jobs.trim()).toBe('');
    // the Deployment uses the content-hashed Secret kdep made in the chart's namespace
    const deployment = JSON.parse(
      await kubectl(['get', 'deployment', 'app-web', '-n', 'app', '-o', 'json']),
    ) as DeploymentJson;
    const name = secretRefOf(deployment);
    expect(name).toMatch(/^kdep-token-[0-9a-f]{20}$/);
    const secret = JSON.parse(
      await kubectl(['get', 'secret', name, '-n', 'app', '-o', 'json']),
    ) as {
      data: { value: string };
    };
    expect(Buffer.from(secret.data.value, 'base64').toString()).toBe(SECRET_ONE);
    expect(deployment.spec.replicas).toBe(1); // staging-values.yaml, not production's
  });

  it('upgrades what a push changed', async () => {
    second = repo.commit({
      'app-api/values.yaml': 'message: "v2"\ncontinuousDeployment:\n  enabled: true\n',
      'app-web/staging-values.yaml': 'replicas: 1\nextra: 2\n',
    });
    const r = await push(first, second);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| app-api \| app \| upgraded \| 1 \| now revision 2 \|/);
    expect((await history('app-api')).map((h) => h[1])).toEqual(['superseded', 'deployed']);
    expect(
      await kubectl(['get', 'configmap', 'app-api', '-n', 'app', '-o', 'jsonpath={.data.message}']),
    ).toBe('v2');
  });

  it('a failing integration test rolls both charts back to their previous revisions', async () => {
    third = repo.commit({
      'app-api/values.yaml': 'message: "v3"\ncontinuousDeployment:\n  enabled: true\n',
      'app-web/staging-values.yaml': 'replicas: 1\nextra: 3\n',
      'app-web-test/values.yaml': 'result: fail\n',
    });
    const r = await push(second, third);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('integration test says fail');
    expect(r.stdout).toMatch(/status failure .*Failed while testing: rolled back/);
    expect(r.stdout).toMatch(
      /\| app-api \| app \| rolled back \| 2 \| rolled back to revision 2 \|/,
    );
    expect(r.stdout).toMatch(/\| app-web \| app \| rolled back \| 2 \|/);
    expect(await history('app-api')).toEqual([
      [1, 'superseded', 'Install complete'],
      [2, 'superseded', 'Upgrade complete'],
      [3, 'superseded', 'Upgrade complete'],
      [4, 'deployed', 'Rollback to 2'],
    ]);
    expect((await history('app-web')).at(-1)).toEqual([4, 'deployed', 'Rollback to 2']);
    expect(
      await kubectl(['get', 'configmap', 'app-api', '-n', 'app', '-o', 'jsonpath={.data.message}']),
    ).toBe('v2');
    expect(await releases()).toEqual(['app-api', 'app-web']); // test release uninstalled
  });

  it('a chart that fails to install rolls back the upgrade before it and is uninstalled', async () => {
    fourth = repo.commit({
      'app-api/values.yaml': 'message: "v4"\ncontinuousDeployment:\n  enabled: true\n',
      ...brokenChart('app-broken'),
    });
    const r = await push(third, fourth);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/status failure .*Failed while deploying: rolled back/);
    expect(r.stdout).not.toContain('Testing:'); // tests never started
    expect(r.stdout).toMatch(
      /\| app-api \| app \| rolled back \| 4 \| rolled back to revision 4 \|/,
    );
    expect(r.stdout).toMatch(/\| app-broken \| app \| uninstalled \| — \|/);
    expect((await history('app-api')).slice(-2)).toEqual([
      [5, 'superseded', 'Upgrade complete'],
      [6, 'deployed', 'Rollback to 4'],
    ]);
    expect(await releases()).toEqual(['app-api', 'app-web']);
    expect(
      await kubectl(['get', 'configmap', 'app-api', '-n', 'app', '-o', 'jsonpath={.data.message}']),
    ).toBe('v2');
  });

  it('a changed secret gets a new name, and the Deployment rolls out with it', async () => {
    const before = JSON.parse(
      await kubectl(['get', 'deployment', 'app-web', '-n', 'app', '-o', 'json']),
    ) as DeploymentJson;
    const oldName = secretRefOf(before);
    const oldReplicaSets = await replicaSets();
    await applySecret(SECRET_TWO);
    const fifth = repo.commit({
      'app-web-test/values.yaml': 'result: pass\n',
      'app-web/staging-values.yaml': 'replicas: 1\nextra: 5\n',
      'app-broken': null,
    });
    const r = await push(fourth, fifth);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const after = JSON.parse(
      await kubectl(['get', 'deployment', 'app-web', '-n', 'app', '-o', 'json']),
    ) as DeploymentJson;
    const newName = secretRefOf(after);
    expect(newName).toMatch(/^kdep-token-[0-9a-f]{20}$/);
    expect(newName).not.toBe(oldName);
    // both versions are kept: a rollback to the earlier revision finds its Secret
    const names = await kubectl(['get', 'secrets', '-n', 'app', '-o', 'name']);
    expect(names).toContain(`secret/${oldName}`);
    expect(names).toContain(`secret/${newName}`);
    // the Deployment controller made a new ReplicaSet for the new Pod template
    const newReplicaSets = (await replicaSets()).filter((n) => !oldReplicaSets.includes(n));
    expect(newReplicaSets).toHaveLength(1);
  });

  it('dry run (CD_CHARTS_DEBUG) renders and diffs without changing the cluster', async () => {
    const head = repo.head();
    const sixth = repo.commit({
      'app-api/values.yaml': 'message: "v6-dry"\ncontinuousDeployment:\n  enabled: true\n',
    });
    const historyBefore = await history('app-api');
    const r = await push(head, sixth, { CD_CHARTS_DEBUG: 'true' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^- {2}message: "v2"$/m);
    expect(r.stdout).toMatch(/^\+ {2}message: "v6-dry"$/m);
    expect(r.stdout).toMatch(/status success .*Dry run: 1 chart\(s\) rendered, nothing changed/);
    expect(r.stdout).not.toMatch(/helm upgrade|helm rollback|helm install/);
    expect(await history('app-api')).toEqual(historyBefore);
    expect(
      await kubectl(['get', 'configmap', 'app-api', '-n', 'app', '-o', 'jsonpath={.data.message}']),
    ).toBe('v2');
  });

  it('an integration test past its deadline fails the deployment, and is removed', async () => {
    const head = repo.head();
    const next = repo.commit({
      'app-web/staging-values.yaml': 'replicas: 1\nextra: 7\n',
      ...testChart('app-web-test', 'pass', 300),
    });
    const revision = (await history('app-web')).at(-1)![0];
    const started = Date.now();
    const r = await push(head, next, { TEST_TIMEOUT: '4' });
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(60_000); // not the Job's 300 s
    expect(r.stdout).toMatch(/❌ app-web-test: Job app-web-test-\S+ did not finish within 4s/);
    expect(r.stdout).toMatch(/status failure .*Failed while testing: rolled back/);
    expect((await history('app-web')).at(-1)).toEqual([
      revision + 2,
      'deployed',
      `Rollback to ${revision}`,
    ]);
    expect(await releases()).toEqual(['app-api', 'app-web']);
  });

  it('a secret missing from the source stops the deployment before it changes anything', async () => {
    const head = repo.head();
    const next = repo.commit({
      ...deploymentChart('app-web', 'v8', 'missing-token'),
      ...testChart('app-web-test', 'pass'),
    });
    const before = await history('app-web');
    const r = await push(head, next);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'kubectl could not read Secret missing-token in namespace cd-secrets (create it there, or set the secrets namespace)',
    );
    expect(r.stdout).toMatch(
      /status failure .*Failed while deploying: no changes made to the cluster/,
    );
    expect(await history('app-web')).toEqual(before);
  });
});

interface DeploymentJson {
  spec: {
    replicas: number;
    template: {
      spec: { containers: { env: { valueFrom: { secretKeyRef: { name: string } } }[] }[] };
    };
  };
}

async function replicaSets(): Promise<string[]> {
  const out = await kubectl(['get', 'replicasets', '-n', 'app', '-l', 'app=app-web', '-o', 'name']);
  return out.split('\n').filter(Boolean);
}

async function applySecret(value: string): Promise<void> {
  const r = await cluster.kubectl([
    'patch',
    'secret',
    'web-token',
    '-n',
    'cd-secrets',
    '--type',
    'merge',
    '-p',
    JSON.stringify({ data: { value: Buffer.from(value).toString('base64') } }),
  ]);
  expect(r.code, r.stderr).toBe(0);
}

function secretRefOf(d: DeploymentJson): string {
  return d.spec.template.spec.containers[0]?.env[0]?.valueFrom.secretKeyRef.name ?? '';
}
