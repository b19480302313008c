import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRepoAccess } from '../../../common/github/check-repo-access.js';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';

let github: GitHubTestServer;
beforeAll(async () => {
  github = await startGitHubServer({ autoCreateRepos: false });
  github.addRepo('acme/webapp');
});
afterAll(async () => github?.close());

const client = (token = github.token) => new Octokit({ baseUrl: github.url, auth: token });

describe('checkRepoAccess (the real @octokit/rest against the GitHub API test server)', () => {
  it('passes for a readable repository', async () => {
    expect(await checkRepoAccess(client(), 'acme/webapp')).toBeUndefined();
  });

  it('names bad credentials (401) and the variables to check', async () => {
    const problem = await checkRepoAccess(client('ghp_wrong'), 'acme/webapp');
    expect(problem).toMatchObject({ kind: 'bad-credentials', status: 401, repo: 'acme/webapp' });
    expect(problem?.message).toMatch(/refused the credentials while reading acme\/webapp/);
    expect(problem?.message).toContain('QUICKCD_GITHUB_TOKEN');
  });

  it('names a repository the credentials cannot see (404) and the permission to grant', async () => {
    const problem = await checkRepoAccess(client(), 'acme/secret');
    expect(problem).toMatchObject({ kind: 'not-found', status: 404 });
    expect(problem?.message).toMatch(/acme\/secret is not visible to these credentials/);
    expect(problem?.permission).toMatch(/Metadata: read/);
  });

  it('tells a 403 refusal from a rate limit (transient)', async () => {
    github.fault({ kind: 'status', status: 403, path: '/repos/acme/webapp' });
    expect(await checkRepoAccess(client(), 'acme/webapp')).toMatchObject({
      kind: 'forbidden',
      status: 403,
    });
    github.fault({ kind: 'primary-rate-limit', path: '/repos/acme/webapp' });
    expect(await checkRepoAccess(client(), 'acme/webapp')).toMatchObject({
      kind: 'transient',
      status: 403,
    });
    github.fault({ kind: 'status', status: 502, path: '/repos/acme/webapp' });
    expect(await checkRepoAccess(client(), 'acme/webapp')).toMatchObject({ kind: 'transient' });
  });
});
