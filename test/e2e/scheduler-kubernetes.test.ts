import { readFile } from 'node:fs/promises';
import { BatchV1Api, CoreV1Api, type V1ConfigMap, type V1Job } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABEL } from '../../scheduler/kubernetes/names.js';
import { describeCluster } from '../support/cluster/describe-cluster.js';
import { eventually } from '../support/eventually.js';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { runCli } from '../support/run-cli.js';
import { find, render } from '../integration/helm/chart.js';
import { freePort } from '../support/free-port.js';
import { startE2eCluster, type E2eCluster } from './support/e2e-cluster.js';
import { helmQuickcd, schedulerLogs, schedulerPid, schedulerPods } from './support/helm-quickcd.js';

/**
 * The whole path on the real control plane: the GitHub API test server → the scheduler
 * installed by the real helm, running as a Pod with the chart's ServiceAccount (RBAC enforced
 * by kube-apiserver) → event ConfigMaps → one Job per event, run by the node agent under
 * PodSecurity `restricted` → comments on the GitHub test server → events handled.
 */

// Behaviour is chosen by the pushed ref.
const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  const sh = ctx.loggingShell(log);
  await sh\`echo deploying \${ctx.event.id}\`;
  if (p.ref === 'refs/heads/slow') await sh\`sleep 8\`;
  if (p.ref === 'refs/heads/fail') throw new Error('deploy broke');
}, { name: 'deploy', filter: (p) => p.ref !== 'refs/heads/hang' });
on('PushEvent', async (_p, ctx) => {
  await ctx.sh\`echo hanging; sleep 300\`;
}, { name: 'hang', timeoutSeconds: 3, filter: (p) => p.ref === 'refs/heads/hang' });
`;

const SHA = 'beef'.padEnd(40, '0');
let github: GitHubTestServer;
let cluster: E2eCluster;
const EXTERNAL = process.env.QUICKCD_E2E_KUBECONFIG !== undefined;
let namespaces = 0;

beforeAll(async () => {
  github = await startGitHubServer({ pollInterval: 1, ...(EXTERNAL ? { host: '0.0.0.0' } : {}) });
  cluster = await startE2eCluster();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
  await github?.close();
});

interface Install {
  namespace: string;
  repo: string;
  /** The scheduler's HTTP port (QUICKCD_HTTP_PORT); 0 when disabled. */
  port: number;
  /** The helm values it was installed with. */
  values: Record<string, unknown>;
  core: CoreV1Api;
  batch: BatchV1Api;
}

/** A namespace (PodSecurity restricted) with quickcd installed by helm for a new repository. */
async function install(
  values: Record<string, unknown> = {},
  existing?: string,
  { polls = true } = {},
): Promise<Install> {
  const namespace =
    existing ??
    `${process.env.QUICKCD_E2E_NAMESPACE_PREFIX ?? 'e2e'}-${process.pid}-${++namespaces}`;
  const repo = `acme/e2e-${++namespaces}`;
  if (!existing) await cluster.createNamespace(namespace, 'restricted');
  // The node agent's Pods share this machine's network: each release gets a port of its own.
  const port = (values.http as { port?: number } | undefined)?.port ?? (await freePort());
  const all = {
    http: { port },
    repos: [repo],
    githubUrl: EXTERNAL
      ? github.url.replace('0.0.0.0', process.env.QUICKCD_E2E_GITHUB_HOST ?? '127.0.0.1')
      : github.url,
    ...(process.env.QUICKCD_E2E_IMAGE
      ? {
          image: {
            repository: process.env.QUICKCD_E2E_IMAGE.split(':')[0],
            tag: process.env.QUICKCD_E2E_IMAGE.split(':')[1] ?? 'latest',
          },
        }
      : {}),
    github: { token: github.token },
    clusterId: 'test/kube/e2e',
    pollInterval: 1,
    retry: { baseSeconds: 1 },
    handlers: { content: HANDLERS },
    extraEnv: [
      { name: 'QUICKCD_COMMENT_INTERVAL', value: '0' },
      { name: 'QUICKCD_LEASE_DURATION', value: '4' },
    ],
    logLevel: 'debug',
    logFormat: 'json',
    ...values,
  };
  await helmQuickcd(cluster, namespace, all);
  const i = {
    namespace,
    repo,
    port,
    values: all,
    core: cluster.admin.makeApiClient(CoreV1Api),
    batch: cluster.admin.makeApiClient(BatchV1Api),
  };
  if (polls) await waitForLog(i, 'polled');
  return i;
}

/** Waits until some scheduler Pod of the release logged `msg` (with `fields`). */
async function waitForLog(
  i: Install,
  msg: string,
  fields: Record<string, unknown> = {},
  timeoutMs = 60_000,
): Promise<string> {
  return eventually(
    async () => {
      for (const pod of await schedulerPods(cluster, i.namespace)) {
        const name = pod.metadata?.name ?? '';
        const lines = await schedulerLogs(cluster, i.namespace, name);
        const hit = lines.some(
          (l) => l.msg === msg && Object.entries(fields).every(([k, v]) => l[k] === v),
        );
        if (hit) return name;
      }
      return undefined;
    },
    `a scheduler logged "${msg}"`,
    timeoutMs,
  );
}

const pushEvent = (i: Install, ref = 'refs/heads/main') =>
  github.addEvent(i.repo, {
    type: 'PushEvent',
    payload: { repository_id: 1, push_id: 2, ref, head: SHA, before: '0'.repeat(40) },
  });

async function eventConfigMaps(i: Install): Promise<V1ConfigMap[]> {
  const { items } = await i.core.listNamespacedConfigMap({
    namespace: i.namespace,
    labelSelector: `${LABEL.kind}=event`,
  });
  return items;
}
async function eventOf(i: Install, id: string): Promise<V1ConfigMap | undefined> {
  return (await eventConfigMaps(i)).find((c) => c.metadata?.labels?.[LABEL.eventId] === id);
}
async function statusOf(i: Install, id: string): Promise<string | undefined> {
  return (await eventOf(i, id))?.metadata?.labels?.[LABEL.status];
}
async function jobsOf(i: Install, id: string): Promise<V1Job[]> {
  const { items } = await i.batch.listNamespacedJob({
    namespace: i.namespace,
    labelSelector: `${LABEL.eventId}=${id}`,
  });
  return items;
}
const runsOf = (i: Install, id: string) =>
  github.commitComments(i.repo, SHA).filter((c) => c.body.includes(`deploying ${id}`)).length;
const kubectl = async (i: Install, ...args: string[]) => {
  const out = await cluster.kubectl(['-n', i.namespace, ...args]);
  expect(out.code, out.stderr).toBe(0);
  return out.stdout;
};
const cli = (i: Install, ...args: string[]) =>
  runCli([...args, '--kubeconfig', cluster.kubeconfigPath, '--namespace', i.namespace], {
    env: {},
  });

/** GET `path` of the scheduler Pod, at its Pod IP and the chart's HTTP port. */
async function scrape(i: Install, path: string): Promise<{ status: number; body: string }> {
  const [pod] = await schedulerPods(cluster, i.namespace);
  const ip = pod?.status?.podIP;
  if (!ip) throw new Error(`no Pod IP for the scheduler in ${i.namespace}`);
  const r = await fetch(`http://${ip}:${i.port}${path}`);
  return { status: r.status, body: await r.text() };
}

describeCluster('quickcd installed by helm on the real control plane', { timeout: 240_000 }, () => {
  it('events become ConfigMaps, then one Job each, serially; comments reach GitHub', async () => {
    const i = await install();
    const [pod] = await schedulerPods(cluster, i.namespace);
    // The scheduler runs as the chart's ServiceAccount, with its projected token.
    expect(pod?.spec?.serviceAccountName).toBe('quickcd');
    const a = pushEvent(i);
    const b = pushEvent(i);
    await eventually(async () => (await statusOf(i, b.id)) === 'handled', 'b handled', 120_000);
    expect(await statusOf(i, a.id)).toBe('handled');

    const [jobA] = await jobsOf(i, a.id);
    const [jobB] = await jobsOf(i, b.id);
    expect(jobA?.metadata?.labels).toMatchObject({
      [LABEL.lane]: 'blocking',
      [LABEL.attempt]: '1',
    });
    // Serial: b's Job was created only once a's had finished.
    expect(Date.parse(String(jobB!.metadata!.creationTimestamp))).toBeGreaterThanOrEqual(
      Date.parse(String(jobA!.status!.completionTime)) - 1000,
    );
    expect(runsOf(i, a.id)).toBe(1);
    expect(github.commitComments(i.repo, SHA)[0]!.body).toContain('## test/kube/e2e: deploy');

    expect(await kubectl(i, 'get', 'configmaps', '-l', 'quickcd.dev/kind=event')).toContain(
      jobA!.metadata!.ownerReferences![0]!.name,
    );
    expect(await kubectl(i, 'get', 'jobs')).toContain(jobB!.metadata!.name);
    expect(await kubectl(i, 'logs', `job/${jobA!.metadata!.name}`)).toContain(`deploying ${a.id}`);
    // The event's story, as Kubernetes Events on its ConfigMap.
    const cmA = jobA!.metadata!.ownerReferences![0]!.name;
    const story = await eventually(async () => {
      const text = await kubectl(i, 'describe', 'configmap', cmA);
      return /Normal\s+Handled/.test(text) ? text : undefined;
    }, 'the Handled Event');
    expect(story).toMatch(
      new RegExp(
        `Normal\\s+Launched\\s+.*quickcd\\.dev/scheduler\\s+launched blocking run ${jobA!.metadata!.name} \\(attempt 1\\)`,
      ),
    );
    expect(story).toMatch(/Normal\s+Handled\s+.*blocking handlers succeeded \(attempt 1, /);

    const table = await cli(i, 'events');
    expect(table.stdout).toMatch(new RegExp(`${a.id}\\s+${i.repo}\\s+PushEvent\\s+handled`));
    const logs = await cli(i, 'logs', a.id);
    expect(logs.stdout).toContain(`deploying ${a.id}`);
    expect(logs.stdout).toMatch(/^\(live Pod log of pod\/\S+\)$/m);
    expect(logs.stdout).not.toContain(github.token);
    // The token reached the Job by Secret reference only.
    expect(JSON.stringify(jobA)).not.toContain(github.token);
    // The runner Pod has no ServiceAccount token; it and the scheduler Pod were admitted by a
    // namespace enforcing PodSecurity restricted.
    const { items: runnerPods } = await i.core.listNamespacedPod({
      namespace: i.namespace,
      labelSelector: `job-name=${jobA!.metadata!.name}`,
    });
    expect(runnerPods).toHaveLength(1);
    // (the chart's runner ServiceAccount says automountServiceAccountToken: false)
    expect(runnerPods[0]!.spec?.serviceAccountName).toBe('quickcd-runner');
    expect(JSON.stringify(runnerPods[0]!.spec?.volumes ?? [])).not.toContain('serviceAccountToken');
    const ns = await i.core.readNamespace({ name: i.namespace });
    expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');

    // Probes and metrics, over HTTP from the Pod (its IP is this machine's: EXTERNAL skips).
    if (EXTERNAL) return;
    const container = pod!.spec!.containers[0]!;
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(await scrape(i, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await scrape(i, '/readyz')).toEqual({ status: 200, body: 'ready\n' });
    const metrics = (await scrape(i, '/metrics')).body;
    const repo = `repo="${i.repo}"`;
    expect(metrics).toContain(`quickcd_events_stored_total{${repo}} 2`);
    expect(metrics).toContain(`quickcd_events_dispatched_total{${repo},lane="blocking"} 2`);
    expect(metrics).toContain(
      `quickcd_handler_runs_total{${repo},lane="blocking",result="succeeded"} 2`,
    );
    expect(metrics).toContain(`quickcd_event_start_delay_seconds_count{${repo},lane="blocking"} 2`);
    expect(metrics).toMatch(/^quickcd_github_requests_total\{status="304"\} [1-9]/m);
    // No Kubernetes call failed (RBAC allowed every one).
    expect(metrics).not.toContain('quickcd_kubernetes_api_errors_total{');
  });

  it('multi-file handlers from a ConfigMap run in Jobs; a run ends whatever the handler leaves behind', async () => {
    const namespace = `${process.env.QUICKCD_E2E_NAMESPACE_PREFIX ?? 'e2e'}-${process.pid}-files`;
    await cluster.createNamespace(namespace, 'restricted');
    await cluster.admin.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace,
      body: {
        metadata: { name: 'my-handlers' },
        data: {
          'handlers.ts': `import { on } from 'quickcd';
import { deploy } from './lib.js';
on('PushEvent', async (p, ctx) => {
  setInterval(() => undefined, 1000); // left behind on purpose
  await ctx.sh\`sleep 1000 &\`;
  await deploy(ctx, p.ref);
}, { name: 'deploy' });
`,
          'lib.ts': `export async function deploy(ctx: { commitLogger(sha: string): (t: string) => void; event: { id: string } }, ref: string): Promise<void> {
  console.log('deploying ' + ctx.event.id + ' from lib');
  if (ref === 'refs/heads/fail') throw new Error('lib says no');
}
`,
        },
      },
    });
    const i = await install({ handlers: { existingConfigMap: 'my-handlers' } }, namespace);
    const ok = pushEvent(i);
    await eventually(async () => (await statusOf(i, ok.id)) === 'handled', 'handled', 120_000);
    const [okJob] = await jobsOf(i, ok.id);
    expect(await kubectl(i, 'logs', `job/${okJob!.metadata!.name}`)).toContain(
      `deploying ${ok.id} from lib`,
    );
    const bad = pushEvent(i, 'refs/heads/fail');
    const startedAt = Date.now();
    await eventually(async () => (await statusOf(i, bad.id)) === 'failed', 'failed', 120_000);
    // The runner ended at once despite the interval and the background sleep: no deadline.
    expect(Date.now() - startedAt).toBeLessThan(60_000);
    const [badJob] = await jobsOf(i, bad.id);
    const failed = badJob?.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed?.reason).not.toBe('DeadlineExceeded');
    expect((await eventOf(i, bad.id))?.metadata?.annotations?.['quickcd.dev/handlers']).toContain(
      'lib says no',
    );
  });

  it.skipIf(EXTERNAL)(
    'wrong GitHub credentials: the scheduler Pod stays up and /readyz says why it is not ready',
    async () => {
      const i = await install({ github: { token: 'wrong-token' } }, undefined, { polls: false });
      const ready = await eventually(async () => {
        const r = await scrape(i, '/readyz').catch(() => undefined);
        return r?.status === 503 && r.body.includes(`github:${i.repo}`) ? r : undefined;
      }, 'not ready, naming the repository');
      expect(ready.body).toMatch(new RegExp(`^not ready\\n(.+\\n)*github:${i.repo}: .+`));
      expect(ready.body).not.toContain('wrong-token');
      // Alive all the same: a restart would not fix credentials.
      expect(await scrape(i, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
      const [pod] = await schedulerPods(cluster, i.namespace);
      expect(pod?.status?.containerStatuses?.[0]?.restartCount ?? 0).toBe(0);
    },
  );

  it('a handler past its timeout: stopped by the runner, its result reaches the event', async () => {
    const i = await install();
    const e = pushEvent(i, 'refs/heads/hang');
    await eventually(async () => (await statusOf(i, e.id)) === 'failed', 'failed', 120_000);
    const cm = await eventOf(i, e.id);
    const handlers = JSON.parse(cm?.metadata?.annotations?.['quickcd.dev/handlers'] ?? '{}') as
      Record<string, { status?: string; lastError?: string }> | undefined;
    expect(JSON.stringify(handlers?.hang)).toMatch(/timed out after 3 s/);
    const [job] = await jobsOf(i, e.id);
    // The runner ended the Job long before the Job's own deadline.
    expect(job?.status?.conditions?.some((c) => c.reason === 'DeadlineExceeded')).toBe(false);
  });

  // The node agent runs containers as local processes: kill -9 one, as a crash would.
  it.skipIf(EXTERNAL)(
    'kill -9 of the scheduler while a Job runs: the restarted container observes and records it',
    async () => {
      const i = await install();
      const a = pushEvent(i, 'refs/heads/slow');
      await eventually(async () => (await jobsOf(i, a.id)).length === 1, 'a Job', 60_000);
      const [pod] = await schedulerPods(cluster, i.namespace);
      const name = pod!.metadata!.name!;
      const pid = await eventually(() => schedulerPid(name), 'the scheduler process');
      process.kill(pid, 'SIGKILL');
      const b = pushEvent(i); // arrives while the scheduler is down
      await eventually(
        async () => {
          const [p] = await schedulerPods(cluster, i.namespace);
          return (p?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1;
        },
        'the container restarted',
        60_000,
      );
      // The restarted scheduler observes the Job it launched before (no second launch).
      await eventually(async () => (await statusOf(i, b.id)) === 'handled', 'b handled', 120_000);
      expect(await statusOf(i, a.id)).toBe('handled');
      expect(await jobsOf(i, a.id)).toHaveLength(1);
      expect(runsOf(i, a.id)).toBe(1);
    },
  );

  it('two replicas: one leads; when its Pod is gone the other takes over; skip a held lane', async () => {
    // Two Pods on one machine's network: no HTTP server (they would share its port).
    const i = await install({ replicas: 2, http: { port: 0 } });
    await eventually(
      async () => (await schedulerPods(cluster, i.namespace)).length === 2,
      'two Pods',
    );
    const leader = await waitForLog(i, 'leading: polling');
    const standby = (await schedulerPods(cluster, i.namespace))
      .map((p) => p.metadata!.name!)
      .find((n) => n !== leader)!;
    await eventually(
      async () =>
        (await schedulerLogs(cluster, i.namespace, standby)).some(
          (l) => l.msg === 'waiting for leadership',
        ),
      'the standby waits',
    );
    // Gone without a goodbye: force-deleted, its process SIGKILLed; its Lease must expire.
    await kubectl(i, 'delete', 'pod', leader, '--grace-period=0', '--force');
    const goneAt = Date.now();
    // The Deployment replaces the deleted Pod at once: the standby and the replacement both
    // contend for the expired Lease, and whichever tries first after it expires leads.
    const leaders = async (): Promise<string[]> => {
      const names = (await schedulerPods(cluster, i.namespace))
        .map((p) => p.metadata!.name!)
        .filter((n) => n !== leader);
      const leading = await Promise.all(
        names.map(async (n) =>
          (await schedulerLogs(cluster, i.namespace, n)).some((l) => l.msg === 'leading: polling'),
        ),
      );
      return names.filter((_, k) => leading[k]);
    };
    const successors = await eventually(
      async () => {
        const found = await leaders();
        return found.length > 0 ? found : undefined;
      },
      'another replica leads',
      60_000,
    );
    // It took over once the dead leader's Lease expired (4 s), not at once: nobody released it.
    expect(Date.now() - goneAt).toBeGreaterThanOrEqual(1000);
    expect(successors).toHaveLength(1); // one leader, not two

    const a = pushEvent(i, 'refs/heads/fail');
    const b = pushEvent(i);
    await eventually(async () => (await statusOf(i, a.id)) === 'failed', 'a failed', 120_000);
    expect(await statusOf(i, b.id)).toBe('pending'); // held behind a
    const cmA = (await eventOf(i, a.id))!.metadata!.name!;
    const story = await eventually(async () => {
      const text = await kubectl(i, 'describe', 'configmap', cmA);
      return /LaneHeld/.test(text) ? text : undefined;
    }, 'the LaneHeld Event');
    expect(story).toMatch(
      /Warning\s+Failed\s+.*blocking handlers failed \(attempt 1, .*deploy broke/,
    );
    expect(story).toMatch(/Normal\s+RetryScheduled\s+.*blocking lane runs again at /);
    expect(story).toMatch(new RegExp(`Warning\\s+LaneHeld\\s+.*quickcd skip ${a.id} releases it`));
    expect(
      await kubectl(i, 'get', 'events', '--field-selector', `involvedObject.name=${cmA}`),
    ).toMatch(/LaneHeld/);
    const skip = await cli(i, 'skip', a.id);
    expect(skip.code, skip.stderr).toBe(0);
    await eventually(async () => (await statusOf(i, b.id)) === 'handled', 'b handled', 120_000);
    expect(await statusOf(i, a.id)).toBe('skipped');
  });

  it('finished Jobs go after their TTL (the event keeps its result); deleting an event deletes its Jobs', async () => {
    const i = await install({ runner: { job: { ttlSecondsAfterFinished: 3 } } });
    const a = pushEvent(i);
    await eventually(async () => (await statusOf(i, a.id)) === 'handled', 'handled', 120_000);
    await eventually(async () => (await jobsOf(i, a.id)).length === 0, 'TTL removed it', 60_000);
    expect(await statusOf(i, a.id)).toBe('handled');
    expect(runsOf(i, a.id)).toBe(1);
    // Its story outlives the Job and the Pod: the result and output tail kept with the event.
    const { items: pods } = await i.core.listNamespacedPod({
      namespace: i.namespace,
      labelSelector: `${LABEL.eventId}=${a.id}`,
    });
    expect(pods).toEqual([]);
    const kept = await cli(i, 'logs', a.id);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toMatch(
      /^== job\/\S+ \(blocking, attempt 1, succeeded\) ==\n\(kept tail: the output, kept with the event; the Job and its Pod are gone\)\n/,
    );
    expect(kept.stdout).toContain(`deploying ${a.id}`);
    expect(kept.stdout).not.toContain(github.token);
    const cmA = (await eventOf(i, a.id))!.metadata!.name!;
    const history = JSON.parse(
      await kubectl(i, 'get', 'configmap', `${cmA}-history`, '-o', 'json'),
    ) as V1ConfigMap;
    expect(history.metadata?.ownerReferences?.[0]?.name).toBe(cmA);
    expect(Object.values(history.data ?? {}).join('')).toContain(`deploying ${a.id}`);
    expect(await kubectl(i, 'describe', 'configmap', `${cmA}-history`)).toContain(
      `deploying ${a.id}`,
    );

    const b = pushEvent(i, 'refs/heads/slow');
    await eventually(async () => (await jobsOf(i, b.id)).length === 1, 'b Job', 60_000);
    const cm = await eventOf(i, b.id);
    await kubectl(i, 'delete', 'configmap', cm!.metadata!.name!);
    // The garbage collector follows the Job's ownerReference to the deleted ConfigMap.
    await eventually(async () => (await jobsOf(i, b.id)).length === 0, 'GC removed it', 60_000);

    // Housekeeping, so that the audit below sees every permission used: with changed handlers
    // and a retention of one event, the new scheduler deletes the older handled event and the
    // handlers ConfigMap no Job mounts any more.
    const c = pushEvent(i);
    await eventually(async () => (await statusOf(i, c.id)) === 'handled', 'c handled', 120_000);
    await eventually(
      async () => (await i.batch.listNamespacedJob({ namespace: i.namespace })).items.length === 0,
      'every Job gone after its TTL',
      60_000,
    );
    await helmQuickcd(
      cluster,
      i.namespace,
      {
        ...i.values,
        // Old and new Pod run side by side during the rollout on one machine's network.
        http: { port: 0 },
        retention: { count: 1 },
        // A change the bundle keeps (a comment would not change it).
        handlers: {
          content: `${HANDLERS}\n(globalThis as Record<string, unknown>).e2eVersion = 2;\n`,
        },
      },
      'upgrade',
    );
    await waitForLog(i, 'pruned old events', {}, 120_000);
    await waitForLog(i, 'pruned old handlers ConfigMaps', {}, 60_000);
    await eventually(async () => (await eventOf(i, a.id)) === undefined, 'a deleted');
    expect(await statusOf(i, c.id)).toBe('handled');
  });

  it.skipIf(EXTERNAL)(
    "least privilege over the whole run: the schedulers used exactly their Role's permissions; the runners made no request",
    async () => {
      interface AuditEntry {
        verb: string;
        requestURI: string;
        user: { username: string };
        objectRef?: { resource?: string; subresource?: string; apiGroup?: string };
        responseStatus?: { code?: number };
      }
      const entries = (await readFile(cluster.auditLog ?? '', 'utf8'))
        .split('\n')
        .filter((l) => l.includes(`system:serviceaccount:e2e-${process.pid}-`))
        .map((l) => JSON.parse(l) as AuditEntry);
      const bySchedulers = entries.filter((e) =>
        /^system:serviceaccount:e2e-\d+-\w+:quickcd$/.test(e.user.username),
      );
      expect(bySchedulers.length).toBeGreaterThan(20);
      // RBAC judged every one: nothing refused.
      const denied = bySchedulers.filter((e) => e.responseStatus?.code === 403);
      expect(denied.map((e) => `${e.verb} ${e.requestURI}`)).toEqual([]);
      // What the code used (verb, group, resource, subresource) …
      const used = new Set(
        bySchedulers
          .filter((e) => e.objectRef?.resource)
          .map(
            (e) =>
              `${e.objectRef!.apiGroup ?? ''}/${e.objectRef!.resource}${
                e.objectRef!.subresource ? `/${e.objectRef!.subresource}` : ''
              }:${e.verb}`,
          ),
      );
      // … equals what the chart's Role grants, as helm renders it: in both directions.
      const { objects } = await render({}, { namespace: 'e2e' });
      const rules = find(objects, 'Role', 'quickcd-scheduler').rules as {
        apiGroups: string[];
        resources: string[];
        verbs: string[];
      }[];
      const granted = new Set(
        rules.flatMap((r) =>
          r.apiGroups.flatMap((g) =>
            r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)),
          ),
        ),
      );
      expect([...used].filter((p) => !granted.has(p)).sort(), 'used, not granted').toEqual([]);
      expect([...granted].filter((p) => !used.has(p)).sort(), 'granted, never used').toEqual([]);
      // Without a resource: only discovery (GET /version at start), which RBAC grants everyone.
      expect([
        ...new Set(bySchedulers.filter((e) => !e.objectRef).map((e) => e.requestURI)),
      ]).toEqual(['/version']);

      // The runner's ServiceAccount has no token (runner.serviceAccount.automountServiceAccountToken
      // is false by default): its Pods never called the API server.
      const byRunners = entries.filter((e) =>
        /^system:serviceaccount:e2e-\d+-\w+:quickcd-runner$/.test(e.user.username),
      );
      expect(byRunners.map((e) => e.requestURI)).toEqual([]);
    },
  );
});
