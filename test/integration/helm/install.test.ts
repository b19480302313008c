// The chart's life cycle on the real control plane: helm install into a PodSecurity-restricted
// namespace, helm upgrade with a changed handlers file rolls the scheduler out (the Deployment
// controller makes a new ReplicaSet), helm uninstall leaves nothing of the chart behind.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { HANDLERS, chartDir, valuesFile, type Values } from './chart.js';

const namespace = 'quickcd';
const other = 'apps';
const release = 'cd';
let cluster: TestCluster;

/** Every namespaced kind the chart creates, directly or through the Deployment controller. */
const CHART_KINDS = [
  'serviceaccounts',
  'configmaps',
  'secrets',
  'roles.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'deployments.apps',
  'replicasets.apps',
  'pods',
];

const values = (handlers: string): Values => ({
  repos: ['acme/webapp'],
  handlers: { content: handlers },
  github: { token: 'ghp_example' },
  runner: {
    rbac: {
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }],
      extraNamespaces: [other],
    },
  },
});

async function helm(args: string[]): Promise<string> {
  const out = await cluster.helm(args);
  expect(out.code, out.stderr).toBe(0);
  return out.stdout;
}

async function kubectlJson<T>(args: string[]): Promise<T> {
  const out = await cluster.kubectl([...args, '-o', 'json']);
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as T;
}

interface List {
  items: { kind?: string; metadata: { name: string; annotations?: Record<string, string> } }[];
}

/** `kind/name` of every object of the chart's kinds in `ns` that belongs to the release. */
async function releaseObjects(ns: string): Promise<string[]> {
  const byLabel = await kubectlJson<List>([
    'get',
    CHART_KINDS.join(','),
    '-n',
    ns,
    '-l',
    `app.kubernetes.io/instance=${release}`,
  ]);
  // and, whatever their labels, anything named after the release or annotated by helm
  const all = await kubectlJson<List>(['get', CHART_KINDS.join(','), '-n', ns]);
  const helmOwned = all.items.filter(
    (o) =>
      o.metadata.name.startsWith(release) ||
      o.metadata.annotations?.['meta.helm.sh/release-name'] === release,
  );
  return [
    ...new Set([...byLabel.items, ...helmOwned].map((o) => `${o.kind}/${o.metadata.name}`)),
  ].sort();
}

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 150 && !ok(value); i++) {
    await new Promise((r) => setTimeout(r, 200));
    value = await read();
  }
  if (!ok(value)) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
  return value;
}

interface Deployment {
  metadata: { generation: number };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}

const checksum = async (): Promise<string | undefined> =>
  (await kubectlJson<Deployment>(['get', 'deployment', 'cd-quickcd', '-n', namespace])).spec
    .template.metadata.annotations?.['checksum/handlers'];

const replicaSets = async (): Promise<string[]> =>
  (
    await kubectlJson<List>([
      'get',
      'replicasets',
      '-n',
      namespace,
      '-l',
      `app.kubernetes.io/instance=${release}`,
    ])
  ).items
    .map((r) => r.metadata.name)
    .sort();

describeCluster('helm install, upgrade, uninstall of charts/quickcd', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace, 'restricted');
    await cluster.createNamespace(other, 'restricted');
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('installs into a restricted namespace: every object, and the Deployment rolls out a ReplicaSet', async () => {
    const out = await cluster.helm([
      'install',
      release,
      chartDir,
      '--namespace',
      namespace,
      '-f',
      valuesFile(values(HANDLERS)),
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr, 'no warnings (PodSecurity or others)').toBe('');
    expect(out.stdout).toContain('ServiceAccount cd-quickcd-runner');
    // the default image is a placeholder no cluster can pull: the notes say so
    expect(out.stdout).toContain(
      'WARNING: image.repository is the placeholder ghcr.io/quickcd/runner, which is not published',
    );
    expect(await releaseObjects(namespace)).toEqual(
      expect.arrayContaining([
        'ConfigMap/cd-quickcd-handlers',
        'Deployment/cd-quickcd',
        'Role/cd-quickcd-runner',
        'Role/cd-quickcd-scheduler',
        'RoleBinding/cd-quickcd-runner',
        'RoleBinding/cd-quickcd-scheduler',
        'Secret/quickcd-github',
        'ServiceAccount/cd-quickcd',
        'ServiceAccount/cd-quickcd-runner',
      ]),
    );
    expect(await releaseObjects(other)).toEqual([
      'Role/cd-quickcd-runner',
      'RoleBinding/cd-quickcd-runner',
    ]);
    // the Deployment controller acts on it, and the ReplicaSet's Pod is admitted (restricted)
    // — it stays Pending: there is no node yet
    await until('one ReplicaSet', replicaSets, (r) => r.length === 1);
    const pods = await until(
      'the scheduler Pod',
      () =>
        kubectlJson<List>([
          'get',
          'pods',
          '-n',
          namespace,
          '-l',
          `app.kubernetes.io/instance=${release}`,
        ]),
      (l) => l.items.length === 1,
    );
    expect(pods.items).toHaveLength(1);
  });

  it('a second release in the namespace gets its own runner ServiceAccount and Lease', async () => {
    const notes = await helm([
      'install',
      'staging',
      chartDir,
      '--namespace',
      namespace,
      '-f',
      valuesFile({
        repos: ['acme/api'],
        handlers: { content: HANDLERS },
        image: { repository: 'registry.example.com/quickcd/runner' },
      }),
    ]);
    expect(notes).toContain('with the image registry.example.com/quickcd/runner:base');
    expect(notes).not.toContain('WARNING: image.repository');
    const env = async (name: string) =>
      Object.fromEntries(
        (
          await kubectlJson<{
            spec: {
              template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
            };
          }>(['get', 'deployment', name, '-n', namespace])
        ).spec.template.spec.containers[0]?.env.map((e) => [e.name, e.value]) ?? [],
      );
    expect(await env('cd-quickcd')).toMatchObject({
      QUICKCD_RUNNER_SERVICE_ACCOUNT: 'cd-quickcd-runner',
      QUICKCD_LEASE_NAME: 'cd-quickcd',
    });
    expect(await env('staging-quickcd')).toMatchObject({
      QUICKCD_RUNNER_SERVICE_ACCOUNT: 'staging-quickcd-runner',
      QUICKCD_LEASE_NAME: 'staging-quickcd',
    });
    await helm(['uninstall', 'staging', '--namespace', namespace, '--wait']);
  });

  it('upgrades: the same values change nothing, changed handlers roll the scheduler out', async () => {
    const before = await checksum();
    expect(before).toMatch(/^[0-9a-f]{64}$/);
    await helm([
      'upgrade',
      release,
      chartDir,
      '--namespace',
      namespace,
      '-f',
      valuesFile(values(HANDLERS)),
    ]);
    expect(await checksum()).toBe(before);
    expect(await replicaSets()).toHaveLength(1);

    const changed = `${HANDLERS}on('PullRequestEvent', async () => {}, { name: 'preview' });\n`;
    await helm([
      'upgrade',
      release,
      chartDir,
      '--namespace',
      namespace,
      '-f',
      valuesFile(values(changed)),
    ]);
    expect(await checksum()).not.toBe(before);
    const cm = await kubectlJson<{ data: Record<string, string> }>([
      'get',
      'configmap',
      'cd-quickcd-handlers',
      '-n',
      namespace,
    ]);
    expect(cm.data['handlers.ts']).toBe(changed.trimEnd());
    // a new pod template: the Deployment controller starts a new ReplicaSet (a rollout)
    await until('a second ReplicaSet', replicaSets, (r) => r.length === 2);
    const history = await helm(['history', release, '--namespace', namespace, '-o', 'json']);
    expect((JSON.parse(history) as unknown[]).length).toBe(3);
  });

  it('uninstalls: nothing of the chart is left, in any namespace', async () => {
    await helm(['uninstall', release, '--namespace', namespace, '--wait']);
    // ReplicaSets and Pods go with their Deployment (the real garbage collector)
    await until(
      'an empty namespace',
      () => releaseObjects(namespace),
      (o) => o.length === 0,
    );
    expect(await releaseObjects(other)).toEqual([]);
    // helm's own release records (Secrets sh.helm.release.v1.cd.vN) are gone too
    const secrets = await kubectlJson<List>([
      'get',
      'secrets',
      '-n',
      namespace,
      '-l',
      'owner=helm',
    ]);
    expect(secrets.items.map((s) => s.metadata.name)).toEqual([]);
  });
});
