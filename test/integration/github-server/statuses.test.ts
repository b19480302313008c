import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { failure, octokitFor, SHA } from './helpers.js';

describe('GitHub test server: statuses, commits, permissions', () => {
  let server: GitHubTestServer;
  let n = 0;
  beforeAll(async () => {
    server = await startGitHubServer();
  });
  afterAll(() => server.close());
  const fresh = () => ({ owner: 'acme', repo: `svc${++n}` });

  it('creates statuses and combines the latest of each context as GitHub does', async () => {
    const octokit = octokitFor(server);
    const where = fresh();
    const combined = async () =>
      (await octokit.repos.getCombinedStatusForRef({ ...where, ref: SHA })).data;
    expect(await combined()).toMatchObject({ state: 'pending', total_count: 0, sha: SHA });

    const created = await octokit.repos.createCommitStatus({
      ...where,
      sha: SHA,
      state: 'pending',
      target_url: 'https://ci.test/1',
      description: 'Deploying',
      context: 'prod/eu/c1',
    });
    expect(created.status).toBe(201);
    expect(created.data).toMatchObject({
      state: 'pending',
      context: 'prod/eu/c1',
      target_url: 'https://ci.test/1',
      description: 'Deploying',
      creator: { login: 'quickcd-test' },
    });
    await octokit.repos.createCommitStatus({ ...where, sha: SHA, state: 'success' });
    expect(await combined()).toMatchObject({ state: 'pending', total_count: 2 });
    await octokit.repos.createCommitStatus({
      ...where,
      sha: SHA,
      state: 'success',
      context: 'prod/eu/c1',
    });
    const allGreen = await combined();
    expect(allGreen.state).toBe('success');
    expect(allGreen.statuses.map((s) => [s.context, s.state])).toEqual([
      ['prod/eu/c1', 'success'],
      ['default', 'success'],
    ]);
    await octokit.repos.createCommitStatus({ ...where, sha: SHA, state: 'error', context: 'x' });
    expect((await combined()).state).toBe('failure');

    const listed = await octokit.repos.listCommitStatusesForRef({ ...where, ref: SHA });
    expect(listed.data.map((s) => s.state)).toEqual(['error', 'success', 'success', 'pending']);
    expect(server.statuses(`${where.owner}/${where.repo}`, SHA).map((s) => s.state)).toEqual([
      'pending',
      'success',
      'success',
      'error',
    ]);
    // A short sha names the same commit.
    const short = await octokit.repos.getCombinedStatusForRef({ ...where, ref: SHA.slice(0, 7) });
    expect(short.data.sha).toBe(SHA);
  });

  it('refuses an unknown state and a description over 140 characters with 422', async () => {
    const octokit = octokitFor(server);
    const where = fresh();
    const badState = await failure(
      octokit.request('POST /repos/{owner}/{repo}/statuses/{sha}', {
        ...where,
        sha: SHA,
        state: 'great' as 'success',
      }),
    );
    expect(badState.status).toBe(422);
    expect(badState.data).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Status', field: 'state' }],
    });
    const long = await failure(
      octokit.repos.createCommitStatus({
        ...where,
        sha: SHA,
        state: 'success',
        description: 'd'.repeat(141),
      }),
    );
    expect(long.status).toBe(422);
    expect(long.data).toMatchObject({
      errors: [{ resource: 'Status', field: 'description', code: 'custom' }],
    });
    await octokit.repos.createCommitStatus({
      ...where,
      sha: SHA,
      state: 'success',
      description: 'd'.repeat(140),
    });
    expect(server.statuses(`${where.owner}/${where.repo}`, SHA)).toHaveLength(1);
  });

  it('answers a commit for any 7-40 hex sha, 422 otherwise, and compares two', async () => {
    const octokit = octokitFor(server);
    const where = fresh();
    const { data } = await octokit.repos.getCommit({ ...where, ref: SHA });
    expect(data.sha).toBe(SHA);
    expect(typeof data.commit.message).toBe('string');
    expect(new URL(data.html_url).pathname).toBe(`/${where.owner}/${where.repo}/commit/${SHA}`);
    const bad = await failure(octokit.repos.getCommit({ ...where, ref: 'not-a-sha' }));
    expect(bad.status).toBe(422);
    expect(bad.data).toMatchObject({ message: 'No commit found for SHA: not-a-sha' });
    const base = 'b'.repeat(40);
    const compared = await octokit.repos.compareCommitsWithBasehead({
      ...where,
      basehead: `${base}...${SHA}`,
    });
    expect(compared.data).toMatchObject({ status: 'ahead', ahead_by: 1, behind_by: 0 });
    expect(compared.data.commits.map((c) => c.sha)).toEqual([SHA]);
    const same = await octokit.repos.compareCommitsWithBasehead({
      ...where,
      basehead: `${SHA}...${SHA}`,
    });
    expect(same.data).toMatchObject({ status: 'identical', ahead_by: 0, commits: [] });
  });

  it('answers collaborator permissions', async () => {
    const octokit = octokitFor(server);
    const where = fresh();
    server.addCollaborator(`${where.owner}/${where.repo}`, 'Mona', 'write');
    const permission = async (username: string) =>
      (await octokit.repos.getCollaboratorPermissionLevel({ ...where, username })).data;
    expect(await permission('mona')).toMatchObject({
      permission: 'write',
      role_name: 'write',
      user: { login: 'mona', permissions: { push: true, admin: false } },
    });
    expect((await permission('acme')).permission).toBe('admin');
    expect((await permission('stranger')).permission).toBe('none');
    expect(() => server.addCollaborator('acme/x', 'a', 'owner' as 'admin')).toThrow(TypeError);
  });
});
