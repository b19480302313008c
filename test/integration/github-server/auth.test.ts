import { generateKeyPairSync, sign } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { call, failure, octokitFor, SHA } from './helpers.js';

const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });

/** An RS256 JWT with the given claims. */
function jwt(privateKey: string, claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  return `${signed}.${sign('RSA-SHA256', Buffer.from(signed), privateKey).toString('base64url')}`;
}

describe('GitHub test server: authentication', () => {
  let server: GitHubTestServer;
  const app = keyPair();
  beforeAll(async () => {
    server = await startGitHubServer({ token: 'sekrit' });
    server.registerApp({ appId: 4242, publicKeyPem: app.publicKey, installationId: 777 });
  });
  afterAll(() => server.close());

  it('refuses a wrong token with 401 Bad credentials, on reads and writes', async () => {
    expect(server.token).toBe('sekrit');
    const wrong = octokitFor(server, 'nope');
    const read = await failure(wrong.activity.listRepoEvents({ owner: 'acme', repo: 'web' }));
    expect(read.status).toBe(401);
    expect(read.data).toMatchObject({
      message: 'Bad credentials',
      documentation_url: expect.stringMatching(/^https:\/\/docs\.github\.com\//),
    });
    const write = await failure(
      wrong.issues.createComment({ owner: 'acme', repo: 'web', issue_number: 1, body: 'x' }),
    );
    expect(write.status).toBe(401);
    expect(server.issueComments('acme/web')).toEqual([]);
  });

  it('accepts token and Bearer schemes; lets anonymous callers read but not write', async () => {
    for (const auth of ['token sekrit', 'Bearer sekrit', 'bearer sekrit'])
      expect((await call(server, 'GET', '/user', { auth })).status).toBe(200);
    expect((await call(server, 'GET', '/repos/acme/web/events', { auth: null })).status).toBe(200);
    const write = await call(server, 'POST', `/repos/acme/web/statuses/${SHA}`, {
      auth: null,
      body: { state: 'success' },
    });
    expect(write.status).toBe(401);
    expect(write.json).toMatchObject({ message: 'Requires authentication' });
  });

  it('issues installation tokens to @octokit/auth-app, which then authenticate', async () => {
    const auth = createAppAuth({
      appId: 4242,
      privateKey: app.privateKey,
      installationId: 777,
      request: octokitFor(server, null).request,
    });
    const installation = await auth({ type: 'installation' });
    expect(installation.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(Date.parse(installation.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    const exchange = server.requests.find((r) => r.path === '/app/installations/777/access_tokens');
    expect(exchange?.status).toBe(201);
    expect(exchange?.requestHeaders.authorization).toMatch(/^bearer eyJ/i);

    const asApp = new Octokit({
      baseUrl: server.url,
      authStrategy: createAppAuth,
      auth: { appId: 4242, privateKey: app.privateKey, installationId: 777 },
    });
    const created = await asApp.issues.createComment({
      owner: 'acme',
      repo: 'web',
      issue_number: 3,
      body: 'from the app',
    });
    expect(created.data.user?.login).toBe('app-4242[bot]');
    expect(created.data.user?.type).toBe('Bot');
    const { data: found } = await asApp.apps.getRepoInstallation({ owner: 'acme', repo: 'web' });
    expect(found.id).toBe(777);
  });

  it('verifies the JWT: signature, issuer, expiry, installation', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iat: now - 30, exp: now + 540, iss: 4242 };
    const exchange = (token: string, installation = 777) =>
      call(server, 'POST', `/app/installations/${installation}/access_tokens`, {
        auth: `Bearer ${token}`,
      });
    expect((await exchange(jwt(app.privateKey, claims))).status).toBe(201);
    const stranger = keyPair();
    const forged = await exchange(jwt(stranger.privateKey, claims));
    expect(forged.status).toBe(401);
    expect(forged.json).toMatchObject({ message: 'A JSON web token could not be decoded' });
    const expired = await exchange(jwt(app.privateKey, { ...claims, exp: now - 1 }));
    expect(expired.status).toBe(401);
    expect(await exchange(jwt(app.privateKey, claims), 778)).toMatchObject({ status: 404 });
    expect((await exchange('sekrit')).status).toBe(401);
    // An unregistered app's JWT is accepted without signature check.
    expect((await exchange(jwt(stranger.privateKey, { ...claims, iss: 99 }), 5)).status).toBe(201);
  });

  it('stops accepting an installation token once it expires', async () => {
    const key = keyPair();
    server.registerApp({
      appId: 5,
      publicKeyPem: key.publicKey,
      installationId: 55,
      tokenTtlSeconds: 0.2,
    });
    const now = Math.floor(Date.now() / 1000);
    const issued = await call(server, 'POST', '/app/installations/55/access_tokens', {
      auth: `Bearer ${jwt(key.privateKey, { iat: now, exp: now + 60, iss: '5' })}`,
    });
    const { token } = issued.json as { token: string };
    expect((await call(server, 'GET', '/user', { auth: `token ${token}` })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await call(server, 'GET', '/user', { auth: `token ${token}` })).status).toBe(401);
  });
});
