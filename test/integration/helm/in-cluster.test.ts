// `helm install` brings up the scheduler as a Pod (run by the node agent): `quickcd scheduler`
// with the chart's ServiceAccount token and in-cluster configuration, RBAC enforced by the real
// API server — it leads, polls the GitHub API test server, runs a handler Job as the chart's
// runner ServiceAccount, and no request of it is refused.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { nodeAgentOptionsFor } from '../../support/node-agent/node-agent-options-for.js';
import { startNodeAgent, type NodeAgent } from '../../support/node-agent/start-node-agent.js';
import { chartDir, valuesFile } from './chart.js';

const namespace = 'quickcd';
const repo = 'acme/webapp';
const serviceAccount = `system:serviceaccount:${namespace}:quickcd`;
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (payload) => { console.log('DEPLOYING ' + payload.ref); }, { name: 'deploy' });
`;

let cluster: TestCluster;
let agent: NodeAgent;
let github: GitHubTestServer;
let workDir: string;
const agentLog: string[] = [];

async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  let value: T | undefined;
  let error: unknown;
  for (;;) {
    try {
      value = await read();
      if (ok(value)) return value;
    } catch (e) {
      error = e;
    }
    if (Date.now() > deadline) {
      const logs = await cluster.kubectl([
        '-n',
        namespace,
        'logs',
        'deployment/quickcd',
        '--tail=40',
      ]);
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(value)?.slice(0, 2000)} ${error instanceof Error ? error.message : ''}\n` +
          `scheduler log:\n${logs.stdout}${logs.stderr}\nnode agent:\n${agentLog.slice(-20).join('\n')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface AuditEntry {
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; name?: string };
  responseStatus?: { code?: number };
}

const audit = async (): Promise<AuditEntry[]> =>
  (await readFile(cluster.controlPlane.auditLog, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);

const configMaps = async (selector: string): Promise<V1ConfigMap[]> =>
  (
    await cluster.admin
      .makeApiClient(CoreV1Api)
      .listNamespacedConfigMap({ namespace, labelSelector: selector })
  ).items;

describeCluster('the scheduler installed by helm, in the cluster', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    github = await startGitHubServer({ pollInterval: 1 });
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace, 'restricted');
    workDir = await mkdtemp(join(tmpdir(), 'quickcd-helm-node-'));
    agent = await startNodeAgent(
      nodeAgentOptionsFor(cluster.controlPlane, workDir, {
        maxGraceSeconds: 5,
        log: (m) => agentLog.push(m),
      }),
    );
  }, 120_000);
  afterAll(async () => {
    await agent?.stop();
    await cluster?.stop();
    await github?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('runs quickcd scheduler as the chart ServiceAccount with in-cluster config; RBAC refuses nothing', async () => {
    const installed = await cluster.helm([
      'install',
      'quickcd',
      chartDir,
      '--namespace',
      namespace,
      '-f',
      valuesFile({
        repos: [repo],
        githubUrl: github.url,
        github: { token: github.token },
        pollInterval: 1,
        logLevel: 'debug',
        handlers: { content: HANDLERS },
        // The node agent's Pods share this machine's network (and the upgrade's rolling update
        // runs two at once): no HTTP port to share.
        http: { port: 0 },
      }),
    ]);
    expect(installed.code, installed.stderr).toBe(0);

    // It leads: the per-release Lease, held by the Pod (POD_NAME is its identity).
    const leases = cluster.admin.makeApiClient(CoordinationV1Api);
    const lease = await until(
      'the Lease held by the scheduler Pod',
      () => leases.readNamespacedLease({ namespace, name: 'quickcd' }),
      (l) => (l.spec?.holderIdentity ?? '').startsWith('quickcd-'),
    );
    const podName = lease.spec?.holderIdentity ?? '';
    const pod = await cluster.admin
      .makeApiClient(CoreV1Api)
      .readNamespacedPod({ namespace, name: podName });
    expect(pod.status?.phase).toBe('Running');
    expect(pod.spec?.serviceAccountName).toBe('quickcd');
    expect(pod.spec?.nodeName).toBe(agent.nodeName);

    // In-cluster configuration from the mounted token (no kubeconfig anywhere in the Pod).
    const started = await until(
      'the scheduler start line',
      async () => (await cluster.kubectl(['-n', namespace, 'logs', podName])).stdout,
      (log) => log.includes('scheduler starting') && log.includes('leading'),
    );
    expect(started).toContain(`namespace ${namespace} (in-cluster service account)`);

    // It published the handlers bundle and stored the repository's cursor (first poll).
    await until(
      'the handlers ConfigMap',
      () => configMaps('quickcd.dev/kind=handlers'),
      (c) => c.length === 1,
    );
    expect((await configMaps('quickcd.dev/kind=handlers'))[0]?.metadata?.labels).toMatchObject({
      'quickcd.dev/scheduler': 'quickcd',
    });
    await until(
      'the cursor',
      () => configMaps('quickcd.dev/kind=cursor'),
      (c) => c.length === 1,
    );

    // An event: stored, one Job as the release's runner ServiceAccount, handled.
    github.addEvent(repo, {
      type: 'PushEvent',
      payload: {
        repository_id: 1,
        push_id: 2,
        ref: 'refs/heads/main',
        head: 'a'.repeat(40),
        before: '0'.repeat(40),
      },
    });
    const [event] = await until(
      'the event handled',
      () => configMaps('quickcd.dev/kind=event'),
      (c) => c[0]?.metadata?.labels?.['quickcd.dev/status'] === 'handled',
    );
    expect(event).toBeDefined();
    const jobs = await cluster.kubectl(['-n', namespace, 'get', 'jobs', '-o', 'json']);
    const job = (
      JSON.parse(jobs.stdout) as {
        items: {
          metadata: { name: string };
          spec: { template: { spec: { serviceAccountName: string } } };
        }[];
      }
    ).items[0];
    expect(job?.spec.template.spec.serviceAccountName).toBe('quickcd-runner');
    const jobLog = await cluster.kubectl([
      '-n',
      namespace,
      'logs',
      `job/${job?.metadata.name ?? ''}`,
    ]);
    expect(jobLog.stdout).toContain('DEPLOYING refs/heads/main');

    // Everything it did, it did as the chart's ServiceAccount, and nothing was refused.
    // (the first Lease renewal comes a third of the lease duration after taking it)
    await until(
      'a Lease renewal',
      async () =>
        (await audit()).filter(
          (e) =>
            e.user.username === serviceAccount &&
            e.verb === 'update' &&
            e.objectRef?.resource === 'leases',
        ),
      (renewals) => renewals.length > 0,
    );
    const mine = (await audit()).filter((e) => e.user.username === serviceAccount);
    const did = new Set(mine.map((e) => `${e.verb} ${e.objectRef?.resource ?? ''}`));
    for (const call of [
      'create leases',
      'update leases',
      'create configmaps',
      'watch configmaps',
      'create jobs',
    ]) {
      expect(did, call).toContain(call);
    }
    expect(mine.filter((e) => e.responseStatus?.code === 403)).toEqual([]);
  });

  it('helm upgrade with changed handlers rolls out a scheduler that publishes them; the old bundle stays while a Job mounts it', async () => {
    const leases = cluster.admin.makeApiClient(CoordinationV1Api);
    const before = (await leases.readNamespacedLease({ namespace, name: 'quickcd' })).spec
      ?.holderIdentity;
    const [oldBundle] = await configMaps('quickcd.dev/kind=handlers');
    const upgraded = await cluster.helm([
      'upgrade',
      'quickcd',
      chartDir,
      '--namespace',
      namespace,
      '--reuse-values',
      '-f',
      valuesFile({
        handlers: {
          content: `${HANDLERS}on('PullRequestEvent', async () => {}, { name: 'preview' });\n`,
        },
      }),
    ]);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    // the new Pod takes over the Lease once the old one has stopped (SIGTERM releases it)
    await until(
      'a new leader',
      () => leases.readNamespacedLease({ namespace, name: 'quickcd' }),
      (l) => (l.spec?.holderIdentity ?? before) !== before && (l.spec?.holderIdentity ?? '') !== '',
    );
    const bundles = await until(
      'the new handlers bundle',
      () => configMaps('quickcd.dev/kind=handlers'),
      (c) => c.length === 2,
    );
    // the leader pruned on taking over, but the handled event's Job still mounts the old one
    expect(bundles.map((c) => c.metadata?.name)).toContain(oldBundle?.metadata?.name);
  });
});
