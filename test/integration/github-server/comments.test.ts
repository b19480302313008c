import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { call, failure, octokitFor, SHA } from './helpers.js';

describe('GitHub test server: comments', () => {
  let server: GitHubTestServer;
  const owner = 'acme';
  const repo = 'web';
  beforeAll(async () => {
    server = await startGitHubServer({ login: 'cd-bot' });
  });
  afterAll(() => server.close());

  it('creates, edits, gets and lists commit comments', async () => {
    const octokit = octokitFor(server);
    const created = await octokit.repos.createCommitComment({
      owner,
      repo,
      commit_sha: SHA,
      body: 'first',
    });
    expect(created.status).toBe(201);
    const { id, html_url: htmlUrl } = created.data;
    expect(created.data).toMatchObject({
      body: 'first',
      commit_id: SHA,
      user: { login: 'cd-bot', type: 'User' },
      url: `${server.url}/repos/${owner}/${repo}/comments/${id}`,
      path: null,
    });
    expect(new URL(htmlUrl).hash).toBe(`#commitcomment-${id}`);
    expect(htmlUrl).toContain(`/${owner}/${repo}/commit/${SHA}`);
    expect(created.data.node_id).toMatch(/^CC_/);

    const edited = await octokit.repos.updateCommitComment({
      owner,
      repo,
      comment_id: id,
      body: 'edited',
    });
    expect(edited.data).toMatchObject({ id, body: 'edited', html_url: htmlUrl });
    await octokit.repos.createCommitComment({ owner, repo, commit_sha: SHA, body: 'second' });
    await octokit.repos.createCommitComment({ owner, repo, commit_sha: 'abcdef1', body: 'other' });

    const onCommit = await octokit.repos.listCommentsForCommit({ owner, repo, commit_sha: SHA });
    expect(onCommit.data.map((c) => c.body)).toEqual(['edited', 'second']);
    const all = await octokit.repos.listCommitCommentsForRepo({ owner, repo });
    expect(all.data.map((c) => c.body)).toEqual(['edited', 'second', 'other']);
    const one = await octokit.repos.getCommitComment({ owner, repo, comment_id: id });
    expect(one.data.body).toBe('edited');
    expect(server.commitComments(`${owner}/${repo}`, SHA).map((c) => c.body)).toEqual([
      'edited',
      'second',
    ]);
    expect(server.commitComments(`${owner}/${repo}`)).toHaveLength(3);
    const missing = await failure(octokit.repos.getCommitComment({ owner, repo, comment_id: 999 }));
    expect(missing.status).toBe(404);
  });

  it('creates, edits, gets and lists issue and pull request comments', async () => {
    const octokit = octokitFor(server);
    const created = await octokit.issues.createComment({
      owner,
      repo,
      issue_number: 12,
      body: 'hello',
    });
    expect(created.status).toBe(201);
    const { id } = created.data;
    expect(created.data).toMatchObject({
      body: 'hello',
      issue_url: `${server.url}/repos/${owner}/${repo}/issues/12`,
      url: `${server.url}/repos/${owner}/${repo}/issues/comments/${id}`,
      user: { login: 'cd-bot' },
    });
    expect(created.data).not.toHaveProperty('issue_number');
    expect(created.data.html_url).toMatch(new RegExp(`/issues/12#issuecomment-${id}$`));
    await octokit.issues.updateComment({ owner, repo, comment_id: id, body: 'bye' });
    await octokit.issues.createComment({ owner, repo, issue_number: 13, body: 'elsewhere' });
    const listed = await octokit.issues.listComments({ owner, repo, issue_number: 12 });
    expect(listed.data.map((c) => c.body)).toEqual(['bye']);
    const got = await octokit.issues.getComment({ owner, repo, comment_id: id });
    expect(got.data.body).toBe('bye');
    expect(server.issueComments(`${owner}/${repo}`, 12).map((c) => c.body)).toEqual(['bye']);
    expect(server.issueComments(`${owner}/${repo}`)).toHaveLength(2);
  });

  it('accepts a body of exactly 65,536 characters and refuses a longer one with 422', async () => {
    const octokit = octokitFor(server);
    const max = 'x'.repeat(65_536);
    const ok = await octokit.issues.createComment({ owner, repo, issue_number: 1, body: max });
    expect(ok.data.body).toHaveLength(65_536);
    for (const [resource, attempt] of [
      [
        'CommitComment',
        octokit.repos.createCommitComment({ owner, repo, commit_sha: SHA, body: `${max}y` }),
      ],
      [
        'IssueComment',
        octokit.issues.createComment({ owner, repo, issue_number: 1, body: `${max}y` }),
      ],
      [
        'IssueComment',
        octokit.issues.updateComment({ owner, repo, comment_id: ok.data.id, body: `${max}y` }),
      ],
    ] as const) {
      const error = await failure(attempt);
      expect(error.status).toBe(422);
      expect(error.data).toMatchObject({
        message: 'Validation Failed',
        errors: [
          {
            resource,
            code: 'custom',
            field: 'body',
            message: 'body is too long (maximum is 65536 characters)',
          },
        ],
        documentation_url: expect.any(String),
      });
    }
    expect(server.issueComments(`${owner}/${repo}`, 1)[0]?.body).toBe(max);
  });

  it('refuses a missing body, an unparsable request and a sha that is not one', async () => {
    const path = `/repos/${owner}/${repo}/commits/${SHA}/comments`;
    const missing = await call(server, 'POST', path, { body: {} });
    expect(missing.status).toBe(422);
    expect(missing.json).toMatchObject({ message: expect.stringContaining('"body"') });
    const notJson = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `token ${server.token}` },
      body: '{"body":',
    });
    expect(notJson.status).toBe(400);
    const badSha = await call(server, 'POST', `/repos/${owner}/${repo}/commits/main!/comments`, {
      body: { body: 'x' },
    });
    expect(badSha.status).toBe(422);
    expect(badSha.json).toMatchObject({ message: 'No commit found for SHA: main!' });
  });
});
