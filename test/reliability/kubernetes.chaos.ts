// The chaos suite on Kubernetes: two scheduler replicas (the Lease elects the leader) against
// the REAL control plane through the fault-injecting proxy, one Job per event run by the node
// agent, SIGKILLed schedulers and runners, GitHub and Kubernetes faults. Run by
// `npm run test:reliability`.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABEL } from '../../scheduler/kubernetes/names.js';
import { startTestCluster, type TestCluster } from '../support/cluster/start-test-cluster.js';
import { tempDir } from '../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { startSchedulerProcess } from '../support/scheduler-process.js';
import type { Place } from './invariants/check-no-secret.js';
import type { RunRecord } from './invariants/check-one-run-per-attempt.js';
import { chaosHandlers } from './support/chaos-handlers.js';
import { chaosProfile, chaosSeed } from './support/chaos-profile.js';
import { createRng } from './support/create-rng.js';
import { startJournalServer, type JournalServer } from './support/journal-server.js';
import { startKubeChaos } from './support/kube-chaos.js';
import { listStoredEvents } from './support/list-stored-events.js';
import { runChaos } from './support/run-chaos.js';
import { runnerKiller } from './support/runner-killer.js';

const seed = chaosSeed();
const base = chaosProfile();
// A Job costs more than a local run: fewer events, the same number of scheduler kills.
const profile = { ...base, events: Math.round(base.events * 0.6) };
const rng = createRng(seed).fork('kubernetes');
const killer = runnerKiller(
  rng.fork('runners'),
  profile.runnerKillChance,
  [50, profile.holdMs * 0.5],
  (e) => journal.record(e),
);
const secret = `chaos-${randomBytes(12).toString('hex')}`;
const repos = Array.from({ length: profile.repos }, (_, i) => `chaos/kube-${i + 1}`);
const namespace = 'chaos';
let cluster: TestCluster;
let github: GitHubTestServer;
let journal: JournalServer;
let dir: string;

beforeAll(async () => {
  github = await startGitHubServer({ pollInterval: 1 });
  journal = await startJournalServer((e) => killer.onEntry(e));
  cluster = await startTestCluster();
  await cluster.createNamespace(namespace, 'restricted');
  const core = cluster.admin.makeApiClient(CoreV1Api);
  // What the chart creates: the runner's ServiceAccount, the GitHub credentials, a runner Secret.
  await core.createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name: 'quickcd-runner' }, automountServiceAccountToken: false },
  });
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'quickcd-github' }, stringData: { token: github.token } },
  });
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'chaos-secret' }, stringData: { CHAOS_SECRET: secret } },
  });
  dir = tempDir('quickcd-chaos-kube-');
  writeFileSync(join(dir, 'handlers.ts'), chaosHandlers(journal.url, profile.holdMs));
}, 180_000);
afterAll(async () => {
  killer.stop();
  await journal?.close();
  await github?.close();
  await cluster?.stop();
});

it(
  `survives the chaos on Kubernetes (seed ${seed}, ${profile.name})`,
  { timeout: 1_200_000 },
  async () => {
    const core = cluster.admin.makeApiClient(CoreV1Api);
    const batch = cluster.admin.makeApiClient(BatchV1Api);
    const kubeArgs = ['--kubeconfig', cluster.kubeconfigPath, '--namespace', namespace];
    const env = {
      QUICKCD_GITHUB_URL: github.url,
      QUICKCD_GITHUB_TOKEN: github.token,
      QUICKCD_REPO: repos.join(','),
      QUICKCD_POLL_INTERVAL: '1',
      QUICKCD_RETRY_BASE_SECONDS: '1',
      QUICKCD_RETRY_MAX_SECONDS: '5',
      QUICKCD_COMMENT_INTERVAL: '0',
      QUICKCD_CLUSTER_ID: 'chaos/kube/e2e',
      QUICKCD_REPLAY: 'window',
      QUICKCD_REVALIDATE_INTERVAL: '20',
      QUICKCD_LEASE_DURATION: '4',
      QUICKCD_JOB_TTL_SECONDS: '3600',
      QUICKCD_RUNNER_SECRETS: 'chaos-secret',
    };
    const { text, ok } = await runChaos(
      {
        name: `Kubernetes (${profile.name})`,
        repos,
        secrets: [secret, github.token],
        leaderLog: 'leadership acquired',
        startScheduler: (n) =>
          startSchedulerProcess([...kubeArgs, '--handlers', join(dir, 'handlers.ts')], {
            ...env,
            QUICKCD_IDENTITY: `chaos-kube-${n}`,
          }),
        listStored: () => listStoredEvents(kubeArgs, {}),
        async runs(): Promise<RunRecord[]> {
          const runs: RunRecord[] = [];
          for (const job of (await batch.listNamespacedJob({ namespace })).items) {
            const l = job.metadata?.labels ?? {};
            const event = l[LABEL.eventId] ?? '?';
            const name = job.metadata?.name ?? '?';
            runs.push({
              event,
              key: `${event}/${l[LABEL.lane]}/attempt ${l[LABEL.attempt]}`,
              runId: `job ${name}`,
            });
          }
          for (const pod of (await core.listNamespacedPod({ namespace })).items) {
            const jobName = pod.metadata?.labels?.['batch.kubernetes.io/job-name'];
            if (!jobName) continue;
            runs.push({
              event: pod.metadata?.labels?.[LABEL.eventId] ?? '?',
              key: `Pods of job ${jobName}`,
              runId: `pod ${pod.metadata?.name}`,
            });
          }
          return runs;
        },
        async places(): Promise<Place[]> {
          const out: Place[] = [];
          const of = (o: { metadata?: { labels?: Record<string, string> } }) => {
            const event = o.metadata?.labels?.[LABEL.eventId];
            return event === undefined ? {} : { event };
          };
          for (const cm of (await core.listNamespacedConfigMap({ namespace })).items)
            out.push({
              where: `ConfigMap ${cm.metadata?.name}`,
              text: JSON.stringify(cm),
              ...of(cm),
            });
          for (const job of (await batch.listNamespacedJob({ namespace })).items)
            out.push({ where: `Job ${job.metadata?.name}`, text: JSON.stringify(job), ...of(job) });
          for (const ev of (await core.listNamespacedEvent({ namespace })).items)
            out.push({ where: `Event ${ev.metadata?.name}`, text: JSON.stringify(ev) });
          for (const pod of (await core.listNamespacedPod({ namespace })).items) {
            const name = pod.metadata?.name ?? '';
            const log = await core
              .readNamespacedPodLog({ namespace, name })
              .catch((e: unknown) => `(no log: ${String(e)})`);
            out.push({ where: `Pod-log ${name}`, text: log, ...of(pod) });
          }
          return out;
        },
        startPlatformChaos: (r) => startKubeChaos(cluster, r, namespace, profile.kubeFaultEveryMs),
      },
      github,
      journal,
      killer,
      profile,
      seed,
      rng,
    );
    process.stdout.write(`${text}\n`);
    expect(ok, text).toBe(true);
  },
);
