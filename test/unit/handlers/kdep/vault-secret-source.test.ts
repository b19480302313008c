// Vault's KV v2 and AppRole HTTP API as documented (developer.hashicorp.com/vault/api-docs):
// a local HTTP server answering those endpoints in their documented shapes. Not a real Vault:
// OpenBao could not be built here (its module is refused by the Go module proxy: see README).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vaultSecretSource } from '../../../../handlers/kdep/vault-secret-source.js';
import { createShell } from '../../../../handlers/shell.js';

const TOKEN = 's.root-token-4411';
const APPROLE_TOKEN = 's.approle-token-7781';
let server: Server;
let addr: string;
const seen: { method: string; url: string; token: string | undefined; body: string }[] = [];

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    void body(req).then((text) => {
      const token = req.headers['x-vault-token'] as string | undefined;
      seen.push({ method: req.method ?? '', url: req.url ?? '', token, body: text });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      if (req.method === 'POST' && req.url === '/v1/auth/approle/login') {
        const { role_id, secret_id } = JSON.parse(text) as { role_id: string; secret_id: string };
        if (role_id === 'role-1' && secret_id === 'secret-1') {
          return send(200, { auth: { client_token: APPROLE_TOKEN, policies: ['default'] } });
        }
        return send(400, { errors: ['invalid role or secret ID'] });
      }
      if (token !== TOKEN && token !== APPROLE_TOKEN)
        return send(403, { errors: ['permission denied'] });
      if (req.method === 'GET' && req.url === '/v1/secret/data/webapp/db') {
        return send(200, {
          data: { data: { value: 'db-password-1', user: 'app' }, metadata: { version: 3 } },
        });
      }
      return send(404, { errors: [] });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  addr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

const shell = createShell({ quiet: true });

describe('vaultSecretSource (KV v2)', () => {
  it('reads <mount>/<path> with VAULT_TOKEN: field value, or #field', async () => {
    const source = vaultSecretSource({
      vars: { VAULT_ADDR: `${addr}/`, VAULT_TOKEN: TOKEN },
      shell,
    });
    expect(await source.read('secret/webapp/db', 'api')).toBe('db-password-1');
    expect(await source.read('/secret/webapp/db#user', 'api')).toBe('app');
    expect(seen.at(-1)).toMatchObject({
      method: 'GET',
      url: '/v1/secret/data/webapp/db',
      token: TOKEN,
    });
    expect(source.description).toBe(`Vault KV v2 at ${addr}`);
  });

  it('logs in with AppRole when no token is set, once', async () => {
    seen.length = 0;
    const vars = { VAULT_ADDR: addr, VAULT_ROLE_ID: 'role-1', VAULT_SECRET_ID: 'secret-1' };
    const source = vaultSecretSource({ vars, shell });
    await source.read('secret/webapp/db', 'api');
    await source.read('secret/webapp/db', 'api');
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /v1/auth/approle/login',
      'GET /v1/secret/data/webapp/db',
      'GET /v1/secret/data/webapp/db',
    ]);
    expect(seen[1]?.token).toBe(APPROLE_TOKEN);
  });

  it('says what failed without printing credentials', async () => {
    const bad = vaultSecretSource({
      vars: { VAULT_ADDR: addr, VAULT_ROLE_ID: 'role-1', VAULT_SECRET_ID: 'wrong-secret' },
      shell,
    });
    const login = await bad.read('secret/webapp/db', 'api').catch((e: Error) => e);
    expect(login).toMatchObject({ code: 'KDEP_SECRET_UNAVAILABLE' });
    expect(String(login)).toMatch(
      /AppRole login .* failed \(HTTP 400: invalid role or secret ID\)/,
    );
    expect(String(login)).not.toContain('wrong-secret');
    const source = vaultSecretSource({
      vars: { VAULT_ADDR: addr, VAULT_TOKEN: 'nope-token' },
      shell,
    });
    const denied = await source.read('secret/webapp/db', 'api').catch((e: Error) => e);
    expect(String(denied)).toMatch(
      /Vault refused secret\/webapp\/db \(HTTP 403: permission denied\)/,
    );
    expect(String(denied)).not.toContain('nope-token');
    const ok = vaultSecretSource({ vars: { VAULT_ADDR: addr, VAULT_TOKEN: TOKEN }, shell });
    await expect(ok.read('secret/webapp/db#missing', 'api')).rejects.toThrow(
      /no string field "missing"/,
    );
    await expect(ok.read('justone', 'api')).rejects.toThrow(/is not <mount>\/<path>/);
  });
});
