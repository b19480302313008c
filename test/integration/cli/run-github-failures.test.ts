import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const SHA = 'dead'.padEnd(40, '1');
const TIMEOUT_SHA = 'dead'.padEnd(40, '2');
const OK_SHA = 'dead'.padEnd(40, '3');

/** A deploy that opens two comments and two pending statuses, then fails; one that times out. */
const HANDLERS = `
import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  const pr = ctx.prLogger(7);
  await ctx.setCommitStatus(p.head, 'pending', 'Deploying', log);
  await ctx.setCommitStatus(p.head, 'pending', 'Canary', undefined, 'deploy/canary');
  await ctx.setCommitStatus(p.head, 'success', 'Canary fine', undefined, 'deploy/canary');
  await ctx.setCommitStatus(p.head, 'pending', 'Smoke', undefined, 'deploy/smoke');
  const sh = ctx.loggingShell(log);
  await sh\`echo deploying\`;
  pr('Deploying', p.head);
  await sh\`echo cannot reach the cluster >&2; exit 7\`;
}, { name: 'deploy', filter: (p) => p.ref === 'refs/heads/main' });
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  await ctx.setCommitStatus(p.head, 'pending', 'Waiting', log);
  log('Waiting for the rollout');
  await new Promise((r) => setTimeout(r, 30_000));
}, { name: 'rollout', timeoutSeconds: 1, filter: (p) => p.ref === 'refs/heads/slow' });
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  await ctx.setCommitStatus(p.head, 'pending', 'Working', log);
  log('Done');
  await ctx.setCommitStatus(p.head, 'success', 'Done', log);
}, { name: 'fine', filter: (p) => p.ref === 'refs/heads/ok' });
`;

let github: GitHubTestServer;
let octokit: Octokit;
beforeAll(async () => {
  github = await startGitHubServer();
  octokit = new Octokit({ baseUrl: github.url, auth: github.token });
});
afterAll(async () => {
  await github.close();
});

const commitComments = async (sha: string) =>
  (await octokit.rest.repos.listCommentsForCommit({ owner: 'acme', repo: 'ops', commit_sha: sha }))
    .data;
const statuses = async (sha: string) =>
  (await octokit.rest.repos.getCombinedStatusForRef({ owner: 'acme', repo: 'ops', ref: sha })).data
    .statuses;

describe('failures reach GitHub', () => {
  it('ends every comment of a failed handler with ❌ and fails the statuses it left pending', async () => {
    const files = writeFiles({
      'handlers.ts': HANDLERS,
      'events.json': JSON.stringify([
        makeEvent('PushEvent', pushPayload('refs/heads/main', SHA), { repo: 'acme/ops', id: '3' }),
        makeEvent('PushEvent', pushPayload('refs/heads/slow', TIMEOUT_SHA), {
          repo: 'acme/ops',
          id: '2',
        }),
        makeEvent('PushEvent', pushPayload('refs/heads/ok', OK_SHA), { repo: 'acme/ops', id: '1' }),
      ]),
    });
    const r = await runCli(
      [
        'run',
        '--events',
        files.path('events.json'),
        '--handlers',
        files.path('handlers.ts'),
        '--github',
      ],
      {
        env: {
          QUICKCD_GITHUB_URL: github.url,
          QUICKCD_GITHUB_TOKEN: github.token,
          QUICKCD_CLUSTER_ID: 'prod/eu/one',
          QUICKCD_COMMENT_INTERVAL: '0',
        },
      },
    );
    expect(r.code).toBe(1);

    // The failed deploy: both its comments say so, last, with the error and exit code.
    const [commit] = await commitComments(SHA);
    const pr = (
      await octokit.rest.issues.listComments({ owner: 'acme', repo: 'ops', issue_number: 7 })
    ).data;
    for (const body of [commit?.body, pr[0]?.body]) {
      expect(body).toMatch(
        /\*\*❌ deploy failed: Command exited with code 7: echo cannot reach the cluster &gt;&amp;2; exit 7\*\*\n\n```\ncannot reach the cluster\nat \/\S+\/handlers\.ts:13:9\n```$/,
      );
    }
    expect(commit?.body).toContain('✅ <code>echo deploying</code>');
    const deploy = await statuses(SHA);
    expect(deploy.find((s) => s.context === 'prod/eu/one')).toMatchObject({
      state: 'failure',
      description:
        'deploy failed: Command exited with code 7: echo cannot reach the cluster >&2; exit 7',
      target_url: commit?.html_url,
    });
    expect(deploy.find((s) => s.context === 'deploy/smoke')).toMatchObject({ state: 'failure' });
    // Not left pending: not touched.
    expect(deploy.find((s) => s.context === 'deploy/canary')).toMatchObject({
      state: 'success',
      description: 'Canary fine',
    });

    // The timed-out rollout: an error status, and the comment names the timeout.
    const [timedOut] = await commitComments(TIMEOUT_SHA);
    expect(timedOut?.body).toMatch(/\*\*❌ rollout failed: timed out after 1 s\*\*$/);
    expect((await statuses(TIMEOUT_SHA))[0]).toMatchObject({
      state: 'error',
      description: 'rollout: timed out after 1 s',
    });

    // A handler that succeeds gets nothing added.
    const [fine] = await commitComments(OK_SHA);
    expect(fine?.body).not.toContain('❌');
    expect((await statuses(OK_SHA))[0]).toMatchObject({ state: 'success' });
  });
});
