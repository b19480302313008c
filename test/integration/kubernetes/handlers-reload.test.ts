// The scheduler follows its handlers file with the Kubernetes store and executor, against the
// real API server: a change is published as a new handlers ConfigMap that the next Job mounts;
// a file that fails to load is a Warning Event on the ConfigMap still in use.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JOB_HANDLERS_ANNOTATION } from '../../../scheduler/kubernetes/job-manifest.js';
import { LABEL } from '../../../scheduler/kubernetes/names.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { startSchedulerProcess, type SchedulerProcess } from '../../support/scheduler-process.js';

const namespace = 'reload';
const REPO = 'acme/webapp';
const handlers = (version: number) => `import { on } from 'quickcd';
(globalThis as Record<string, unknown>).version = ${version};
on('PushEvent', async () => undefined, { name: 'deploy' });
`;
let cluster: TestCluster;
let github: GitHubTestServer;
let scheduler: SchedulerProcess | undefined;

describeCluster('handlers reload on Kubernetes', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster({ node: false });
    await cluster.createNamespace(namespace);
    github = await startGitHubServer({ pollInterval: 1 });
  }, 120_000);
  afterAll(async () => {
    await scheduler?.stop('SIGKILL');
    await github?.close();
    await cluster?.stop();
  });

  it('publishes a changed file for the next Jobs; a broken one is a Warning Event and the previous stays', async () => {
    const core = cluster.admin.makeApiClient(CoreV1Api);
    const batch = cluster.admin.makeApiClient(BatchV1Api);
    const dir = tempDir('quickcd-reload-kube-');
    const file = join(dir, 'handlers.ts');
    writeFileSync(file, handlers(1));
    scheduler = startSchedulerProcess(
      ['--kubeconfig', cluster.kubeconfigPath, '--namespace', namespace, '--handlers', file],
      {
        QUICKCD_GITHUB_URL: github.url,
        QUICKCD_GITHUB_TOKEN: github.token,
        QUICKCD_REPO: REPO,
        QUICKCD_POLL_INTERVAL: '1',
        QUICKCD_HANDLERS_CHECK_INTERVAL: '1',
      },
    );
    await scheduler.waitForLog('polled', {}, 30_000);
    const published = async () =>
      (
        await core.listNamespacedConfigMap({ namespace, labelSelector: `${LABEL.kind}=handlers` })
      ).items.map((c) => c.metadata!.name!);
    const [v1] = await published();
    expect(v1).toBeDefined();

    writeFileSync(file, handlers(2));
    await scheduler.waitForLog('handlers file changed: reloaded; new runs use it', {}, 30_000);
    const v2 = (await published()).find((n) => n !== v1);
    expect(v2).toBeDefined();
    const e = github.addEvent(REPO, {
      type: 'PushEvent',
      payload: {
        repository_id: 1,
        push_id: 2,
        ref: 'refs/heads/main',
        head: 'a'.repeat(40),
        before: '0'.repeat(40),
      },
    });
    const job = await eventually(
      async () =>
        (await batch.listNamespacedJob({ namespace, labelSelector: `${LABEL.eventId}=${e.id}` }))
          .items[0],
      'the Job of the event',
      30_000,
    );
    expect(job.metadata?.annotations?.[JOB_HANDLERS_ANNOTATION]).toBe(v2);

    writeFileSync(file, 'this is not TypeScript(\n');
    await scheduler.waitForLog(
      'handlers file changed but failed to load: the previous handlers stay in use',
      {},
      30_000,
    );
    const events = await eventually(async () => {
      const out = await cluster.kubectl([
        '-n',
        namespace,
        'get',
        'events',
        '--field-selector',
        `involvedObject.name=${v2}`,
        '-o',
        'jsonpath={range .items[*]}{.type} {.reason}: {.message}{"\\n"}{end}',
      ]);
      return out.stdout.includes('HandlersReloadFailed') ? out.stdout : undefined;
    }, 'the HandlersReloadFailed Event');
    expect(events).toContain('Normal HandlersReloaded: the changed handlers file');
    expect(events).toMatch(
      /Warning HandlersReloadFailed: the changed handlers file .*handlers\.ts failed to load; the handlers of this ConfigMap stay in use: /,
    );
    expect(events).not.toContain(github.token);
  });
});
