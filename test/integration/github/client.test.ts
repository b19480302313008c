import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isQuickcdError } from '../../../common/errors.js';
import { createGitHubClient } from '../../../common/github/create-github-client.js';
import { getGitToken } from '../../../common/github/get-git-token.js';
import { startGitHubServer } from '../../support/github-server/index.js';
import { captureLog, testClient } from './helpers.js';

type Server = Awaited<ReturnType<typeof startGitHubServer>>;
const REPO = 'acme/web';

describe('createGitHubClient against the GitHub API test server', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startGitHubServer();
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.clearRequests();
  });

  const listEvents = (github: ReturnType<typeof testClient>) =>
    github.request('GET /repos/{owner}/{repo}/events', { owner: 'acme', repo: 'web' });

  it('authenticates with the token', async () => {
    const { log } = captureLog();
    const github = testClient(server, log);
    const { status } = await listEvents(github);
    expect(status).toBe(200);
    expect(server.requests.at(-1)?.requestHeaders.authorization).toBe(`token ${server.token}`);
    await expect(getGitToken(github)).resolves.toBe(server.token);
  });

  it('refuses to start without credentials, naming the variables', () => {
    const { log } = captureLog();
    try {
      createGitHubClient({ config: { githubUrl: server.url }, log });
      expect.unreachable();
    } catch (error) {
      expect(isQuickcdError(error, 'CONFIG_INVALID')).toBe(true);
      expect(String(error)).toContain('QUICKCD_GITHUB_TOKEN');
    }
  });

  it('authenticates as a GitHub App installation, caching the installation token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    server.registerApp({ appId: 4242, publicKeyPem: publicKey, installationId: 777 });
    const { log } = captureLog();
    const github = createGitHubClient({
      config: {
        githubUrl: server.url,
        githubAppId: '4242',
        githubAppPrivateKey: privateKey,
        githubAppInstallationId: '777',
      },
      log,
      timing: { retryAfterBaseValue: 10 },
    });
    await listEvents(github);
    await listEvents(github);
    const exchanges = server.requests.filter((r) =>
      r.path.includes('/app/installations/777/access_tokens'),
    );
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]?.requestHeaders.authorization).toMatch(/^bearer /i);
    const token = await getGitToken(github);
    expect(token).toBeDefined();
    expect(token).not.toBe(server.token);
    const calls = server.requests.filter((r) => r.path.startsWith(`/repos/${REPO}/events`));
    expect(calls.map((c) => c.requestHeaders.authorization)).toEqual([
      `token ${token}`,
      `token ${token}`,
    ]);
  });

  it('uses a GitHub Enterprise API base URL', async () => {
    const { log } = captureLog();
    const github = testClient({ url: `${server.url}/api/v3`, token: server.token }, log);
    const { status } = await listEvents(github);
    expect(status).toBe(200);
    expect(server.requests.at(-1)?.path).toMatch(/^\/api\/v3\/repos\/acme\/web\/events/);
  });

  it('recovers from server errors', async () => {
    const { log } = captureLog();
    const github = testClient(server, log);
    server.fault({
      method: 'GET',
      path: `/repos/${REPO}/events`,
      times: 2,
      kind: 'status',
      status: 502,
    });
    const { status } = await listEvents(github);
    expect(status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([502, 502, 200]);
  });

  it('abandons a response slower than the request timeout and retries it', async () => {
    const { log } = captureLog();
    const github = testClient(server, log, {
      timing: { retryAfterBaseValue: 10, requestTimeoutMs: 200 },
    });
    server.fault({ method: 'GET', path: `/repos/${REPO}/events`, kind: 'delay', ms: 2000 });
    const started = Date.now();
    const { status } = await listEvents(github);
    expect(status).toBe(200);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200); // the first answer was waited for, then dropped
    expect(elapsed).toBeLessThan(1900); // the retry answered, not the slow one
  });

  it('waits out a secondary rate limit as long as Retry-After says, with a warning', async () => {
    const { log, warnings } = captureLog();
    const github = testClient(server, log);
    server.fault({
      path: `/repos/${REPO}/events`,
      times: 1,
      kind: 'secondary-rate-limit',
      retryAfter: 3,
    });
    const started = Date.now();
    const { status } = await listEvents(github);
    expect(status).toBe(200);
    // 3 s of Retry-After at 10 ms a second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(server.requests.map((r) => r.status)).toEqual([403, 200]);
    expect(warnings().some((w) => String(w.msg).includes('secondary rate limit'))).toBe(true);
  });

  it('waits out a 429', async () => {
    const { log } = captureLog();
    const github = testClient(server, log);
    server.fault({
      path: `/repos/${REPO}/events`,
      times: 1,
      kind: 'rate-limit-429',
      retryAfter: 1,
    });
    const { status } = await listEvents(github);
    expect(status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('waits for a primary rate limit reset', async () => {
    const { log, warnings } = captureLog();
    const github = testClient(server, log);
    server.fault({ path: `/repos/${REPO}/events`, times: 1, kind: 'primary-rate-limit' });
    const { status } = await listEvents(github);
    expect(status).toBe(200);
    expect(server.requests.map((r) => r.status)).toEqual([403, 200]);
    expect(warnings().some((w) => String(w.msg).includes('primary rate limit'))).toBe(true);
  });

  it('retries a response whose JSON does not parse', async () => {
    const { log } = captureLog();
    const github = testClient(server, log);
    server.fault({ path: `/repos/${REPO}/events`, times: 1, kind: 'malformed-json' });
    const { data } = await listEvents(github);
    expect(Array.isArray(data)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('gives up on a server that stays down, with the status', async () => {
    const { log } = captureLog();
    const github = testClient(server, log);
    server.fault({ path: `/repos/${REPO}/events`, times: Infinity, kind: 'status', status: 503 });
    try {
      await expect(listEvents(github)).rejects.toMatchObject({ status: 503 });
      expect(server.requests).toHaveLength(4);
    } finally {
      server.clearFaults();
    }
  });
});
