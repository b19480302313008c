// handlers/examples/kdep-environments.ts in local mode (`quickcd run`) against a real git
// repository made here, the real helm and kubectl of the test cluster and its real API server,
// and the GitHub API test server (for the commit's author and committer on failure).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { commitCommentPayload, makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { REPO_ROOT, runCli, type CliResult } from '../../support/run-cli.js';
import { brokenChart, configMapChart, createAppRepo, type AppRepo } from './app-repo.js';

const EXAMPLE = join(REPO_ROOT, 'handlers/examples/kdep-environments.ts');
let cluster: TestCluster;
let github: GitHubTestServer;
let repo: AppRepo;
let work: string;

beforeAll(async () => {
  [cluster, github] = await Promise.all([startTestCluster({ node: false }), startGitHubServer()]);
  repo = createAppRepo('staging');
  work = tempDir('quickcd-kdep-example-');
}, 60_000);

afterAll(async () => {
  await github?.close();
  await cluster?.stop();
});

async function run(environment: string, events: unknown[]): Promise<CliResult> {
  const file = join(work, `events-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(events));
  return runCli(['run', '--events', file, '--handlers', EXAMPLE], {
    timeoutMs: 180_000,
    env: {
      PATH: `${cluster.binDir}:${process.env.PATH ?? ''}`,
      KUBECONFIG: cluster.kubeconfigPath,
      HELM_CACHE_HOME: join(work, 'helm/cache'),
      HELM_CONFIG_HOME: join(work, 'helm/config'),
      HELM_DATA_HOME: join(work, 'helm/data'),
      QUICKCD_ENVIRONMENT: environment,
      QUICKCD_GITHUB_URL: github.url,
      QUICKCD_GITHUB_TOKEN: github.token,
      APP_SOURCE: repo.dir,
    },
  });
}

const push = (ref: string, before: string, head: string) =>
  makeEvent('PushEvent', { ...pushPayload(ref, head), before });

function pullRequest(base: string, head: string, headRef: string) {
  const ref = (r: string, sha: string) => ({
    ref: r,
    sha,
    repo: { id: 812345678, name: 'acme/webapp', url: 'https://api.github.com/repos/acme/webapp' },
  });
  return makeEvent('PullRequestEvent', {
    action: 'opened',
    number: 12,
    pull_request: {
      number: 12,
      title: 'Bump the api',
      state: 'open',
      html_url: 'https://github.com/acme/webapp/pull/12',
      user: { login: 'mona', id: 583231 },
      head: ref(headRef, head),
      base: ref('staging', base),
    },
  });
}

async function message(release: string): Promise<string> {
  const r = await cluster.kubectl([
    'get',
    'configmap',
    release,
    '-n',
    'app',
    '-o',
    'jsonpath={.data.message}',
  ]);
  return r.code === 0 ? r.stdout : `(${r.stderr.trim()})`;
}

describeCluster('handlers/examples/kdep-environments.ts', { timeout: 300_000 }, () => {
  let base: string;

  it('staging deploys pushes to staging and ignores other branches', async () => {
    base = repo.commit({ ...configMapChart('app-api', 'staging-1') });
    const r = await run('staging', [
      push('refs/heads/staging', '0'.repeat(40), base),
      push('refs/heads/production', '0'.repeat(40), base),
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/status success .*Deployed 1 chart\(s\)/);
    expect(r.stdout.match(/▶ deployBranch/g)).toHaveLength(1);
    expect(await message('app-api')).toBe('staging-1');
  });

  it('development deploys a pull request merged onto staging, and reports a merge conflict', async () => {
    repo.git('checkout', '-q', '-b', 'feature');
    const feature = repo.commit({
      'app-api/values.yaml': 'message: "from-the-pr"\ncontinuousDeployment:\n  enabled: true\n',
    });
    repo.git('checkout', '-q', 'staging');
    const r = await run('development', [pullRequest(base, feature, 'feature')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/git .*merge --no-edit --no-ff/);
    expect(r.stdout).toMatch(
      new RegExp(`status success \\[development\\] on ${feature.slice(0, 12)}`),
    );
    expect(await message('app-api')).toBe('from-the-pr');

    // staging moves on, changing the same line: the pull request no longer merges
    const moved = repo.commit({
      'app-api/values.yaml': 'message: "staging-2"\ncontinuousDeployment:\n  enabled: true\n',
    });
    const conflict = await run('development', [pullRequest(moved, feature, 'feature')]);
    expect(conflict.code).toBe(1);
    expect(conflict.stdout).toMatch(/status failure .*Merge conflict/);
    expect(conflict.stdout).toContain('conflict in app-api/values.yaml');
    expect(await message('app-api')).toBe('from-the-pr'); // nothing deployed
  });

  it('production tags the author and committer when a deployment fails', async () => {
    repo.git('checkout', '-q', '-b', 'production');
    const head = repo.commit({ ...brokenChart('app-broken') });
    const r = await run('production', [
      push('refs/heads/production', repo.git('rev-parse', 'HEAD~1'), head),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/status failure .*Failed while deploying: rolled back/);
    // the GitHub test server's commits are by octocat (author and committer)
    expect(r.stdout).toContain('@octocat: this deployment failed.');
    const releases = await cluster.helm(['list', '-a', '-n', 'app', '-o', 'json']);
    expect(releases.stdout).not.toContain('app-broken');
  });

  it('answers /quickcd help and leaves skip and retry to the scheduler', async () => {
    const r = await run('production', [
      makeEvent(
        'CommitCommentEvent',
        commitCommentPayload('/quickcd help', { association: 'MEMBER' }),
      ),
      makeEvent(
        'CommitCommentEvent',
        commitCommentPayload('/quickcd skip 45123', { association: 'MEMBER' }),
      ),
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/\/quickcd retry <event-id> \[force\]/g)).toHaveLength(1);
    expect(r.stdout).toMatch(/2 handler run\(s\): 2 succeeded/);
  });
});
