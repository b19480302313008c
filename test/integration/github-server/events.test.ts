import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startGitHubServer,
  type GitHubEvent,
  type GitHubTestServer,
} from '../../support/github-server/index.js';
import { call, octokitFor } from './helpers.js';

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/github/events-page.json', import.meta.url), 'utf8'),
) as GitHubEvent[];

describe('GitHub test server: repository events', () => {
  let server: GitHubTestServer;
  let n = 0;
  beforeAll(async () => {
    server = await startGitHubServer({ pollInterval: 42 });
  });
  afterAll(() => server.close());
  beforeEach(() => server.clearRequests());

  /** A fresh repository with `count` push events; ids oldest first. */
  function repoWith(count: number): { owner: string; repo: string; full: string; ids: string[] } {
    const repo = `app${++n}`;
    const full = `acme/${repo}`;
    const ids = Array.from(
      { length: count },
      (_, i) => server.addEvent(full, { type: 'PushEvent', payload: { ref: `r${i}` } }).id,
    );
    return { owner: 'acme', repo, full, ids };
  }

  it('lists events newest first in the Events API shape, with X-Poll-Interval', async () => {
    const { owner, repo, full, ids } = repoWith(3);
    const { data, headers } = await octokitFor(server).activity.listRepoEvents({ owner, repo });
    expect(data.map((e) => e.id)).toEqual([...ids].reverse());
    const [newest] = data;
    expect(newest).toMatchObject({
      type: 'PushEvent',
      payload: { ref: 'r2' },
      public: true,
      repo: { name: full, url: `${server.url}/repos/${full}` },
      actor: { login: 'octocat', display_login: 'octocat', gravatar_id: '' },
    });
    expect(newest?.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(typeof newest?.actor.id).toBe('number');
    expect(headers['x-poll-interval']).toBe('42');
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers.link).toBeUndefined();
    server.setPollInterval(7);
    const again = await octokitFor(server).activity.listRepoEvents({ owner, repo });
    expect(again.headers['x-poll-interval']).toBe('7');
    server.setPollInterval(42);
  });

  it('orders by id, so a late event with a lower id sorts below newer ones', () => {
    const full = `acme/app${++n}`;
    const ids = ['46000000100', '46000000200', '46000000300'];
    for (const id of ids) server.addEvent(full, { type: 'PushEvent', payload: {}, id });
    const late = '46000000150';
    const stored = server.addEvent(full, { type: 'IssuesEvent', payload: {}, id: late });
    expect(stored.id).toBe(late);
    expect(server.events(full).map((e) => e.id)).toEqual([ids[2], ids[1], late, ids[0]]);
    expect(() => server.addEvent(full, { type: 'X', payload: {}, id: late })).toThrow(/exists/);
    expect(() => server.addEvent(full, { type: 'X', payload: {}, id: 'abc' })).toThrow(TypeError);
    const next = server.addEvent(full, { type: 'IssuesEvent', payload: {} });
    expect(BigInt(next.id)).toBeGreaterThan(46000000300n);
  });

  it('paginates with Link headers and refuses pages past the 300-event window', async () => {
    const { owner, repo, full, ids } = repoWith(320);
    const octokit = octokitFor(server);
    const page2 = await octokit.activity.listRepoEvents({ owner, repo, per_page: 30, page: 2 });
    expect(page2.data.map((e) => e.id)).toEqual(ids.slice(-60, -30).reverse());
    const base = `${server.url}/repos/${full}/events?per_page=30&page=`;
    expect(page2.headers.link).toBe(
      `<${base}1>; rel="prev", <${base}3>; rel="next", <${base}10>; rel="last", <${base}1>; rel="first"`,
    );
    const all = await octokit.paginate(octokit.activity.listRepoEvents, {
      owner,
      repo,
      per_page: 100,
    });
    expect(all).toHaveLength(300);
    expect(all.at(-1)?.id).toBe(ids[20]);
    const last = await octokit.activity.listRepoEvents({ owner, repo, per_page: 100, page: 3 });
    expect(last.headers.link).not.toContain('rel="next"');
    for (const [perPage, page] of [
      [30, 11],
      [100, 4],
    ] as const) {
      const refused = await call(
        server,
        'GET',
        `/repos/${full}/events?per_page=${perPage}&page=${page}`,
      );
      expect(refused.status).toBe(422);
      expect(refused.json).toMatchObject({
        message: expect.stringMatching(/^In order to keep the API fast for everyone, pagination/),
        documentation_url: expect.any(String),
      });
    }
    const defaults = await octokit.activity.listRepoEvents({ owner, repo, per_page: 500 });
    expect(defaults.data).toHaveLength(100);
  });

  it('answers 304 to a matching If-None-Match, without rate limit cost', async () => {
    const { full } = repoWith(2);
    const first = await call(server, 'GET', `/repos/${full}/events`);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).toMatch(/^W\/".+"$/);
    const remaining = server.rateLimitRemaining;
    expect(first.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
    const cached = await call(server, 'GET', `/repos/${full}/events`, {
      headers: { 'if-none-match': etag },
    });
    expect(cached.status).toBe(304);
    expect(cached.text).toBe('');
    expect(cached.headers.get('etag')).toBe(etag);
    expect(cached.headers.get('x-poll-interval')).toBe('42');
    expect(cached.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
    expect(server.rateLimitRemaining).toBe(remaining);
    // Another page has another ETag; a new event changes the first page's ETag.
    const page2 = await call(server, 'GET', `/repos/${full}/events?page=2`);
    expect(page2.headers.get('etag')).not.toBe(etag);
    server.addEvent(full, { type: 'PushEvent', payload: {} });
    const changed = await call(server, 'GET', `/repos/${full}/events`, {
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(server.rateLimitRemaining).toBe(remaining - 2);
    expect(server.requests.map((r) => r.status)).toEqual([200, 304, 200, 200]);
  });

  it('sends the rate limit headers on every response', async () => {
    const response = await call(server, 'GET', '/nowhere');
    expect(response.status).toBe(404);
    expect(response.json).toMatchObject({ message: 'Not Found' });
    for (const name of ['limit', 'remaining', 'reset', 'used'])
      expect(response.headers.get(`x-ratelimit-${name}`)).toMatch(/^\d+$/);
    expect(response.headers.get('x-ratelimit-resource')).toBe('core');
    const { data } = await octokitFor(server).rateLimit.get();
    expect(data.resources.core.remaining).toBe(server.rateLimitRemaining);
  });

  it('keeps the fixture events as they are, and 404s unknown repositories when asked', async () => {
    const strict = await startGitHubServer({ autoCreateRepos: false });
    try {
      for (const event of [...fixture].reverse()) strict.addEvent('acme/webapp', event);
      const { data } = await octokitFor(strict).activity.listRepoEvents({
        owner: 'acme',
        repo: 'webapp',
      });
      expect(data.map((e) => [e.id, e.type, e.created_at, e.actor.login])).toEqual(
        fixture.map((e) => [e.id, e.type, e.created_at, e.actor.login]),
      );
      expect(data[0]?.payload).toEqual(fixture[0]?.payload);
      const missing = await call(strict, 'GET', '/repos/acme/other/events');
      expect(missing.status).toBe(404);
      expect(missing.json).toMatchObject({ message: 'Not Found' });
    } finally {
      await strict.close();
    }
  });

  it('serves a GitHub Enterprise /api/v3 base URL', async () => {
    const { owner, repo, ids } = repoWith(1);
    const { Octokit } = await import('@octokit/rest');
    const ghe = new Octokit({ baseUrl: `${server.url}/api/v3`, auth: server.token });
    const { data } = await ghe.activity.listRepoEvents({ owner, repo });
    expect(data.map((e) => e.id)).toEqual(ids);
    expect(server.requests.at(-1)?.path).toBe(`/api/v3/repos/${owner}/${repo}/events`);
  });
});
