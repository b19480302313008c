import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { call, failure, octokitFor } from './helpers.js';

const sha = (n: number) => n.toString(16).padStart(40, 'a');

describe('GitHub test server: refs, pull requests, comment listings, Events API latency', () => {
  let server: GitHubTestServer;
  let n = 0;
  const fresh = () => `acme/fast${++n}`;
  beforeAll(async () => {
    server = await startGitHubServer();
  });
  afterAll(() => server.close());

  it('lists branch and tag refs by name, paginated, with an ETag and a free 304', async () => {
    const full = fresh();
    const [owner = '', repo = ''] = full.split('/');
    for (let i = 0; i < 5; i++) server.push(full, { ref: `b${i}`, head: sha(i + 1) });
    server.push(full, { ref: 'refs/tags/v1', head: sha(9) });
    const octokit = octokitFor(server);
    const first = await octokit.git.listMatchingRefs({ owner, repo, ref: 'heads', per_page: 2 });
    expect(first.data.map((r) => r.ref)).toEqual(['refs/heads/b0', 'refs/heads/b1']);
    expect(first.data[0]?.object).toMatchObject({ sha: sha(1), type: 'commit' });
    expect(first.headers.link).toContain('rel="next"');
    const all = await octokit.paginate(octokit.git.listMatchingRefs, { owner, repo, ref: 'heads' });
    expect(all).toHaveLength(5);
    const tags = await octokit.git.listMatchingRefs({ owner, repo, ref: 'tags' });
    expect(tags.data.map((r) => [r.ref, r.object.sha])).toEqual([['refs/tags/v1', sha(9)]]);

    const etag = first.headers.etag ?? '';
    const before = server.rateLimitRemaining;
    const unchanged = await failure(
      octokit.git.listMatchingRefs({
        owner,
        repo,
        ref: 'heads',
        per_page: 2,
        headers: { 'if-none-match': etag },
      }),
    );
    expect(unchanged.status).toBe(304);
    expect(server.rateLimitRemaining).toBe(before);
    server.push(full, { ref: 'b1', head: sha(42) });
    const moved = await octokit.git.listMatchingRefs({
      owner,
      repo,
      ref: 'heads',
      per_page: 2,
      headers: { 'if-none-match': etag },
    });
    expect(moved.status).toBe(200);
    expect(moved.data[1]?.object.sha).toBe(sha(42));
    expect(server.deleteRef(full, 'b0')).toBe(true);
    expect(Object.keys(server.refs(full))).not.toContain('refs/heads/b0');
    const types = server.events(full).map((e) => e.type);
    expect(types.filter((t) => t === 'CreateEvent')).toHaveLength(6);
    expect(types.filter((t) => t === 'PushEvent')).toHaveLength(7);
    expect(types[0]).toBe('DeleteEvent');
    const push = server.events(full).find((e) => e.type === 'PushEvent')!;
    expect(push.payload).toMatchObject({ ref: 'refs/heads/b1', head: sha(42), before: sha(2) });
  });

  it('lists pull requests sorted by update, with their state and head, and ETags', async () => {
    const full = fresh();
    const [owner = '', repo = ''] = full.split('/');
    const one = server.openPullRequest(full, { head: sha(1) });
    server.openPullRequest(full, { head: sha(2) });
    server.advanceClock(2000);
    server.changePullRequest(full, one.number, { head: sha(3) });
    const octokit = octokitFor(server);
    const list = await octokit.pulls.list({
      owner,
      repo,
      state: 'all',
      sort: 'updated',
      direction: 'desc',
    });
    expect(list.data.map((p) => [p.number, p.head.sha])).toEqual([
      [1, sha(3)],
      [2, sha(2)],
    ]);
    const etag = list.headers.etag ?? '';
    const again = await failure(
      octokit.pulls.list({
        owner,
        repo,
        state: 'all',
        sort: 'updated',
        direction: 'desc',
        headers: { 'if-none-match': etag },
      }),
    );
    expect(again.status).toBe(304);
    server.advanceClock(2000);
    server.changePullRequest(full, 2, { action: 'merged' });
    const after = await octokit.pulls.list({ owner, repo, state: 'all', sort: 'updated' });
    expect(after.data[0]).toMatchObject({
      number: 2,
      state: 'closed',
      merged_at: expect.any(String),
    });
    const open = await octokit.pulls.list({ owner, repo });
    expect(open.data.map((p) => p.number)).toEqual([1]);
    const actions = server
      .events(full)
      .filter((e) => e.type === 'PullRequestEvent')
      .map((e) => e.payload.action);
    expect(actions).toEqual(['closed', 'synchronize', 'opened', 'opened']);
  });

  it('lists issue comments newest first and commit comments with Link to the last page', async () => {
    const full = fresh();
    const [owner = '', repo = ''] = full.split('/');
    for (let i = 1; i <= 3; i++) await server.addIssueComment(full, i, `/quickcd ${i}`);
    for (let i = 1; i <= 3; i++) await server.addCommitComment(full, sha(7), `c${i}`);
    const octokit = octokitFor(server);
    const issue = await octokit.issues.listCommentsForRepo({
      owner,
      repo,
      sort: 'created',
      direction: 'desc',
      per_page: 2,
    });
    expect(issue.data.map((c) => c.body)).toEqual(['/quickcd 3', '/quickcd 2']);
    expect(issue.headers.link).toContain('rel="last"');
    const commit = await octokit.repos.listCommitCommentsForRepo({ owner, repo, per_page: 2 });
    expect(commit.data.map((c) => c.body)).toEqual(['c1', 'c2']);
    expect(commit.headers.link).toMatch(/page=2>; rel="last"/);
    const last = await octokit.repos.listCommitCommentsForRepo({
      owner,
      repo,
      per_page: 2,
      page: 2,
    });
    const etag = last.headers.etag ?? '';
    expect(
      (
        await failure(
          octokit.repos.listCommitCommentsForRepo({
            owner,
            repo,
            per_page: 2,
            page: 2,
            headers: { 'if-none-match': etag },
          }),
        )
      ).status,
    ).toBe(304);
    expect(server.events(full).map((e) => e.type)).toContain('CommitCommentEvent');
  });

  it('shows an event in /events only after the Events API latency', async () => {
    const full = fresh();
    const [owner = '', repo = ''] = full.split('/');
    server.setEventsLatency(300_000);
    try {
      server.push(full, { ref: 'main', head: sha(5) });
      const octokit = octokitFor(server);
      const hidden = await octokit.activity.listRepoEvents({ owner, repo });
      expect(hidden.data).toEqual([]);
      expect(server.events(full)).toHaveLength(2);
      server.advanceClock(299_000);
      expect((await octokit.activity.listRepoEvents({ owner, repo })).data).toEqual([]);
      server.advanceClock(1_000);
      const shown = await octokit.activity.listRepoEvents({
        owner,
        repo,
        headers: { 'if-none-match': hidden.headers.etag ?? '' },
      });
      expect(shown.data.map((e) => e.type)).toEqual(['PushEvent', 'CreateEvent']);
    } finally {
      server.setEventsLatency(0);
    }
  });

  it('can be driven through admin endpoints: pushes, refs, pull requests, latency, clock', async () => {
    const full = fresh();
    expect(
      (await call(server, 'POST', '/_admin/events-latency', { body: { ms: 60_000 } })).status,
    ).toBe(200);
    const pushed = await call(server, 'POST', `/_admin/repos/${full}/git/refs`, {
      body: { ref: 'refs/heads/main', head: sha(1) },
    });
    expect(pushed.status).toBe(201);
    expect((pushed.json as { type: string }[]).map((e) => e.type)).toEqual([
      'CreateEvent',
      'PushEvent',
    ]);
    expect(server.refs(full)).toEqual({ 'refs/heads/main': sha(1) });
    const opened = await call(server, 'POST', `/_admin/repos/${full}/pulls`, {
      body: { head: sha(2) },
    });
    expect(opened.json).toMatchObject({ number: 1, state: 'open' });
    const merged = await call(server, 'PATCH', `/_admin/repos/${full}/pulls/1`, {
      body: { action: 'merged' },
    });
    expect(merged.json).toMatchObject({ state: 'closed', merged: true });
    const refused = await call(server, 'PATCH', `/_admin/repos/${full}/pulls/1`, {
      body: { action: 'x' },
    });
    expect(refused.status).toBe(422);
    expect((await call(server, 'DELETE', `/_admin/repos/${full}/git/refs/heads/main`)).status).toBe(
      204,
    );
    const [owner = '', repo = ''] = full.split('/');
    expect((await octokitFor(server).activity.listRepoEvents({ owner, repo })).data).toEqual([]);
    await call(server, 'POST', '/_admin/clock', { body: { advanceMs: 60_000 } });
    const listed = await octokitFor(server).activity.listRepoEvents({ owner, repo });
    expect(listed.data.map((e) => e.type)).toEqual([
      'DeleteEvent',
      'PullRequestEvent',
      'PullRequestEvent',
      'PushEvent',
      'CreateEvent',
    ]);
    server.setEventsLatency(0);
  });
});
