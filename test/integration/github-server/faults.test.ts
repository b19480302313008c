import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { call, failure, octokitFor } from './helpers.js';

const EVENTS = '/repos/acme/web/events';

describe('GitHub test server: injected faults', () => {
  let server: GitHubTestServer;
  beforeAll(async () => {
    server = await startGitHubServer();
    server.addEvent('acme/web', { type: 'PushEvent', payload: { ref: 'refs/heads/main' } });
  });
  afterAll(() => server.close());
  beforeEach(() => server.clearRequests());
  afterEach(() => server.clearFaults());

  it('answers a 5xx status for `times` matching requests, by method and path', async () => {
    server.fault({ method: 'get', path: EVENTS, times: 2, kind: 'status', status: 502 });
    expect((await call(server, 'POST', EVENTS)).status).toBe(404);
    expect((await call(server, 'GET', '/repos/acme/web/comments')).status).toBe(200);
    const first = await call(server, 'GET', EVENTS);
    expect(first.status).toBe(502);
    expect(first.json).toMatchObject({ message: 'Bad Gateway' });
    expect((await call(server, 'GET', `${EVENTS}?page=1`)).status).toBe(502);
    expect((await call(server, 'GET', EVENTS)).status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([404, 200, 502, 502, 200]);
  });

  it('matches a RegExp or a path prefix ending in /, until removed', async () => {
    const regex = server.fault({
      path: /\/comments$/,
      times: Infinity,
      kind: 'status',
      status: 500,
    });
    expect((await call(server, 'GET', '/repos/acme/web/comments')).status).toBe(500);
    expect((await call(server, 'GET', '/repos/acme/web/comments')).status).toBe(500);
    expect((await call(server, 'GET', EVENTS)).status).toBe(200);
    regex.remove();
    expect((await call(server, 'GET', '/repos/acme/web/comments')).status).toBe(200);
    server.fault({ path: '/repos/acme/', times: 1, kind: 'status', status: 503 });
    expect((await call(server, 'GET', EVENTS)).status).toBe(503);
    server.fault({ path: '/repos/acme', kind: 'status', status: 503 });
    expect((await call(server, 'GET', EVENTS)).status).toBe(200);
    expect(() => server.fault({ times: 0, kind: 'malformed-json' })).toThrow(TypeError);
  });

  it('answers secondary and primary rate limits and 429 as GitHub does', async () => {
    server.fault({ path: EVENTS, kind: 'secondary-rate-limit', retryAfter: 7 });
    const secondary = await call(server, 'GET', EVENTS);
    expect(secondary.status).toBe(403);
    expect(secondary.headers.get('retry-after')).toBe('7');
    expect(secondary.json).toEqual({
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    });
    server.fault({ path: EVENTS, kind: 'rate-limit-429' });
    const tooMany = await call(server, 'GET', EVENTS);
    expect(tooMany.status).toBe(429);
    expect(tooMany.headers.get('retry-after')).toBe('1');
    server.fault({ path: EVENTS, kind: 'primary-rate-limit', resetInSeconds: 30 });
    const primary = await call(server, 'GET', EVENTS);
    expect(primary.status).toBe(403);
    expect(primary.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(primary.headers.get('x-ratelimit-reset'));
    expect(reset - Date.now() / 1000).toBeGreaterThan(28);
    expect(primary.json).toMatchObject({
      message: expect.stringMatching(/^API rate limit exceeded/),
    });
  });

  it('delays a response, and cuts a JSON body short', async () => {
    server.fault({ path: EVENTS, kind: 'delay', ms: 150 });
    const started = Date.now();
    expect((await call(server, 'GET', EVENTS)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    server.fault({ path: EVENTS, kind: 'malformed-json' });
    const broken = await call(server, 'GET', EVENTS);
    expect(broken.status).toBe(200);
    expect(broken.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(() => JSON.parse(broken.text) as unknown).toThrow(SyntaxError);
    expect(broken.text.startsWith('[{"id":')).toBe(true);
    // Octokit hands back the unparsable text as `data`.
    server.fault({ path: EVENTS, kind: 'malformed-json' });
    const { data } = await octokitFor(server).request('GET /repos/{owner}/{repo}/events', {
      owner: 'acme',
      repo: 'web',
    });
    expect(typeof data).toBe('string');
    expect(server.requests.map((r) => r.status)).toEqual([200, 200, 200]);
  });

  it('lets Octokit with the retry and throttling plugins recover', async () => {
    const seen: { kind: string; retryAfter: number }[] = [];
    const Client = Octokit.plugin(retry, throttling);
    const octokit = new Client({
      baseUrl: server.url,
      auth: server.token,
      retry: { retryAfterBaseValue: 10 },
      throttle: {
        retryAfterBaseValue: 20,
        onSecondaryRateLimit: (retryAfter) => {
          seen.push({ kind: 'secondary', retryAfter });
          return true;
        },
        onRateLimit: (retryAfter) => {
          seen.push({ kind: 'primary', retryAfter });
          return true;
        },
      },
    });
    const list = () => octokit.activity.listRepoEvents({ owner: 'acme', repo: 'web' });

    server.fault({ path: EVENTS, times: 2, kind: 'status', status: 502 });
    expect((await list()).status).toBe(200);
    server.fault({ path: EVENTS, kind: 'secondary-rate-limit', retryAfter: 1 });
    const started = Date.now();
    expect((await list()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    server.fault({ path: EVENTS, kind: 'rate-limit-429', retryAfter: 1 });
    expect((await list()).status).toBe(200);
    server.fault({ path: EVENTS, kind: 'primary-rate-limit', resetInSeconds: 1 });
    expect((await list()).status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([
      502, 502, 200, 403, 200, 429, 200, 403, 200,
    ]);
    // The 429 is retried by one plugin or the other; the 403s only by the throttling plugin.
    expect(seen[0]).toEqual({ kind: 'secondary', retryAfter: 1 });
    expect(seen.at(-1)?.kind).toBe('primary');

    server.fault({ path: EVENTS, times: Infinity, kind: 'status', status: 503 });
    expect((await failure(list())).status).toBe(503);
    expect(server.requests.slice(9).map((r) => r.status)).toEqual([503, 503, 503, 503]);
  });
});
