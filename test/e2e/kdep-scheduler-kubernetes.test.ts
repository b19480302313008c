// quickcd/kdep through the whole path: GitHub API test server → the scheduler installed by the
// real helm → one real Job per event (run by the node agent, as user 1000, with the chart's
// runner ServiceAccount and Role) → the pipeline's helm and kubectl against the real API
// server, RBAC enforced → statuses and comments on the GitHub test server.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LABEL } from '../../scheduler/kubernetes/names.js';
import { describeCluster } from '../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../support/cluster/start-test-cluster.js';
import { eventually } from '../support/eventually.js';
import { startGitHubServer, type GitHubTestServer } from '../support/github-server/index.js';
import { CHART } from './support/helm-quickcd.js';
import {
  configMapChart,
  createAppRepo,
  testChart,
  type AppRepo,
} from '../integration/kdep/app-repo.js';

const NAMESPACE = 'kdep-e2e';
const REPO = 'acme/app';
let github: GitHubTestServer;
let cluster: TestCluster;
let repo: AppRepo;
let source: string;

beforeAll(async () => {
  github = await startGitHubServer({ pollInterval: 1 });
  cluster = await startTestCluster();
  repo = createAppRepo('staging');
  // Job containers see the host's top-level directories read-only, but not its /tmp: the
  // App repository is cloned from a bare copy outside /tmp, owned by the runner's user.
  source = mkdtempSync('/var/lib/quickcd-kdep-e2e-');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await github?.close();
  if (source) rmSync(source, { recursive: true, force: true });
});

const HANDLERS = (from: string) => `import { on } from 'quickcd';
import { deployPush } from 'quickcd/kdep';
on('PushEvent', (p, ctx) => deployPush(p, ctx, {
  source: ${JSON.stringify(from)}, environment: 'staging', createNamespaces: false, testTimeoutSeconds: 60,
}), { name: 'deploy', filter: (p) => p.ref === 'refs/heads/staging' });
`;

/** Publishes the App repository's state where the Jobs clone it from. */
function publish(): void {
  rmSync(join(source, 'app.git'), { recursive: true, force: true });
  execFileSync('git', ['clone', '-q', '--bare', repo.dir, join(source, 'app.git')]);
  execFileSync('chown', ['-R', '1000:1000', source]);
}

async function helm(args: string[]): Promise<string> {
  const r = await cluster.helm(args);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** What went on, for a failure message. */
async function diagnosis(sha: string): Promise<string> {
  const run = async (args: string[]) => {
    const r = await cluster.kubectl(args);
    return `$ kubectl ${args.join(' ')}\n${r.stdout}${r.stderr}`;
  };
  return [
    await run(['get', 'configmaps,jobs,pods', '-n', NAMESPACE, '--show-labels']),
    await run([
      'logs',
      '-n',
      NAMESPACE,
      '-l',
      'app.kubernetes.io/component=scheduler',
      '--tail=30',
    ]),
    await run(['logs', '-n', NAMESPACE, '-l', `${LABEL.kind}=runner`, '--tail=80', '--prefix']),
    ...github.commitComments(REPO, sha).map((c) => c.body.slice(-3000)),
  ].join('\n');
}

async function handledAs(id: string, sha: string, want: string, what: string): Promise<void> {
  try {
    await eventually(async () => (await eventStatus(id)) === want, what, 90_000);
  } catch (e) {
    throw new Error(`${String(e)}\n${await diagnosis(sha)}`);
  }
}

async function eventStatus(id: string): Promise<string | undefined> {
  const { items } = await cluster.admin.makeApiClient(CoreV1Api).listNamespacedConfigMap({
    namespace: NAMESPACE,
    labelSelector: `${LABEL.kind}=event`,
  });
  return items.find((c) => c.metadata?.labels?.[LABEL.eventId] === id)?.metadata?.labels?.[
    LABEL.status
  ];
}

const push = (before: string, head: string) =>
  github.addEvent(REPO, {
    type: 'PushEvent',
    payload: { repository_id: 1, push_id: 2, ref: 'refs/heads/staging', head, before },
  });

describeCluster(
  'quickcd/kdep in real Jobs of a helm-installed scheduler',
  { timeout: 300_000 },
  () => {
    it('deploys and tests a push; a failing test is rolled back', async () => {
      await cluster.createNamespace(NAMESPACE, 'restricted');
      await cluster.createNamespace('app', 'baseline');
      const first = repo.commit({
        ...configMapChart('app-api', 'v1'),
        'app-api/values.yaml':
          'message: "v1"\ncontinuousDeployment:\n  enabled: true\n  integrationTests: [app-api-test]\n',
        ...testChart('app-api-test', 'pass'),
      });
      publish();
      const values = {
        repos: [REPO],
        githubUrl: github.url,
        github: { token: github.token },
        clusterId: 'staging/local/e2e',
        pollInterval: 1,
        retry: { baseSeconds: 60 },
        handlers: { content: HANDLERS(join(source, 'app.git')) },
        extraEnv: [{ name: 'QUICKCD_COMMENT_INTERVAL', value: '0' }],
        runner: {
          image: { flavour: 'kdep' },
          serviceAccount: { automountServiceAccountToken: true },
          rbac: {
            extraNamespaces: ['app'],
            rules: [
              { apiGroups: [''], resources: ['secrets', 'configmaps'], verbs: ['*'] },
              { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
              { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
              { apiGroups: ['batch'], resources: ['jobs'], verbs: ['*'] },
            ],
          },
        },
      };
      const file = join(cluster.controlPlane.dir, 'kdep-values.json');
      writeFileSync(file, JSON.stringify(values));
      await helm(['install', 'quickcd', CHART, '--namespace', NAMESPACE, '-f', file]);

      // The first poll only sets the cursor (replay none): push after it.
      await eventually(
        async () => {
          const r = await cluster.kubectl([
            'logs',
            '-n',
            NAMESPACE,
            '-l',
            'app.kubernetes.io/component=scheduler',
          ]);
          return r.stdout.includes('polled');
        },
        'the scheduler polled',
        60_000,
      );
      const a = push('0'.repeat(40), first);
      await handledAs(a.id, first, 'handled', 'first push handled');
      expect(github.statuses(REPO, first).map((s) => `${s.state} ${s.description}`)).toEqual([
        'pending Deploying charts',
        'pending Testing: app-api-test',
        'success Deployed 1 chart(s), tests passed',
      ]);
      const comment = github
        .commitComments(REPO, first)
        .map((c) => c.body)
        .join('\n');
      expect(comment).toContain('## staging/local/e2e: deploy');
      expect(comment).toContain('integration test says pass');
      expect(comment).toMatch(/\| app-api \| app \| installed \| — \|/);
      const history = JSON.parse(await helm(['history', 'app-api', '-n', 'app', '-o', 'json'])) as {
        revision: number;
        status: string;
      }[];
      expect(history.map((h) => h.status)).toEqual(['deployed']);

      const second = repo.commit({
        'app-api/values.yaml':
          'message: "v2"\ncontinuousDeployment:\n  enabled: true\n  integrationTests: [app-api-test]\n',
        'app-api-test/values.yaml': 'result: fail\n',
      });
      publish();
      const b = push(first, second);
      await handledAs(b.id, second, 'failed', 'second push failed');
      expect(github.statuses(REPO, second).at(-1)?.description).toBe(
        'Failed while testing: rolled back',
      );
      const after = JSON.parse(await helm(['history', 'app-api', '-n', 'app', '-o', 'json'])) as {
        revision: number;
        status: string;
        description: string;
      }[];
      expect(after.at(-1)).toMatchObject({
        revision: 3,
        status: 'deployed',
        description: 'Rollback to 1',
      });
      const cm = await cluster.kubectl([
        'get',
        'configmap',
        'app-api',
        '-n',
        'app',
        '-o',
        'jsonpath={.data.message}',
      ]);
      expect(cm.stdout).toBe('v1');
    });
  },
);
