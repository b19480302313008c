import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { httpFetch } from '../../../common/http-fetch.js';
import { createPki } from '../../support/cluster/create-pki.js';
import { eventually } from '../../support/eventually.js';
import { REPO_ROOT } from '../../support/run-cli.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A real HTTP server on a free port; `handle` answers, every request is recorded. */
async function serve(
  handle: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void,
  create: (l: http.RequestListener) => http.Server = http.createServer,
) {
  const seen: Seen[] = [];
  const server = create((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      const s = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body,
        remotePort: req.socket.remotePort!,
      };
      seen.push(s);
      handle(req, res, s);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return { url: `${scheme}://127.0.0.1:${port}`, seen };
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('httpFetch', () => {
  it('answers status, headers and body as fetch does, and sends what it was given', async () => {
    const server = await serve((_req, res) => {
      res.setHeader('X-Multi', ['a', 'b']);
      res.setHeader('Set-Cookie', ['c=1', 'd=2']);
      json(res, 201, { made: true }, { ETag: '"v1"' });
    });
    const response = await httpFetch(`${server.url}/things?x=1`, {
      method: 'post',
      headers: { Authorization: 'token t', 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Created');
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${server.url}/things?x=1`);
    expect(response.redirected).toBe(false);
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(response.headers.get('x-multi')).toBe('a, b');
    expect(response.headers.getSetCookie()).toEqual(['c=1', 'd=2']);
    const names = [...response.headers].map(([name]) => name);
    expect(names).toEqual([...names].sort());
    expect(await response.json()).toEqual({ made: true });
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
    const [req] = server.seen;
    expect(req).toMatchObject({ method: 'POST', url: '/things?x=1', body: '{"name":"x"}' });
    expect(req!.headers).toMatchObject({
      authorization: 'token t',
      'content-type': 'application/json',
      'content-length': '12',
      'accept-encoding': 'gzip, deflate, br',
    });
  });

  it('decodes gzip, deflate and brotli answers; bytes come back exactly', async () => {
    const text = 'é'.repeat(10_000);
    const encoders: Record<string, (b: Buffer) => Buffer> = {
      gzip: zlib.gzipSync,
      deflate: zlib.deflateSync,
      br: zlib.brotliCompressSync,
    };
    const server = await serve((req, res) => {
      const encoding = req.url!.slice(1);
      res.writeHead(200, { 'content-encoding': encoding, 'content-type': 'text/plain' });
      res.end(encoders[encoding]!(Buffer.from(text)));
    });
    for (const encoding of Object.keys(encoders)) {
      expect(await (await httpFetch(`${server.url}/${encoding}`)).text()).toBe(text);
    }
    const bytes = await (await httpFetch(`${server.url}/gzip`)).arrayBuffer();
    expect(Buffer.from(bytes).equals(Buffer.from(text))).toBe(true);
  });

  it('has no body for HEAD, 204 and 304, and reuses the kept-alive connection', async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.url === '/none' ? 204 : req.url === '/same' ? 304 : 200);
      res.end(req.method === 'HEAD' || req.url === '/x' ? '' : undefined);
    });
    for (const [path, method] of [
      ['/none', 'GET'],
      ['/same', 'GET'],
      ['/x', 'HEAD'],
    ] as const) {
      const response = await httpFetch(server.url + path, { method });
      expect(response.body).toBeNull();
      expect(await response.text()).toBe('');
    }
    expect(new Set(server.seen.map((s) => s.remotePort)).size).toBe(1);
  });

  it('follows redirects: 303 becomes a GET, 307 keeps the body, another origin gets no credentials', async () => {
    const other = await serve((_req, res) => json(res, 200, { other: true }));
    const server = await serve((req, res) => {
      const to: Record<string, [number, string]> = {
        '/see-other': [303, '/done'],
        '/temporary': [307, '/done'],
        '/away': [302, `${other.url}/landed`],
      };
      const hop = to[req.url!];
      if (hop) res.writeHead(hop[0], { location: hop[1] }).end();
      else json(res, 200, { at: req.url });
    });
    const headers = { authorization: 'token secret', cookie: 'k=v', 'x-keep': 'yes' };
    const seeOther = await httpFetch(`${server.url}/see-other`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(seeOther).toMatchObject({ status: 200, redirected: true, url: `${server.url}/done` });
    expect(server.seen[1]).toMatchObject({ method: 'GET', url: '/done', body: '' });
    expect(server.seen[1]!.headers['content-type']).toBeUndefined();
    await httpFetch(`${server.url}/temporary`, { method: 'PUT', body: 'kept' });
    expect(server.seen[3]).toMatchObject({ method: 'PUT', url: '/done', body: 'kept' });
    const away = await httpFetch(`${server.url}/away`, { headers });
    expect(await away.json()).toEqual({ other: true });
    expect(server.seen[4]!.headers.authorization).toBe('token secret');
    expect(other.seen[0]!.headers).toMatchObject({ 'x-keep': 'yes' });
    expect(other.seen[0]!.headers.authorization).toBeUndefined();
    expect(other.seen[0]!.headers.cookie).toBeUndefined();
  });

  it("returns the redirect with redirect: 'manual', fails with 'error' and past 20 hops", async () => {
    const server = await serve((req, res) => {
      const n = Number(req.url!.slice(1));
      res.writeHead(302, { location: `/${n + 1}` }).end();
    });
    const manual = await httpFetch(`${server.url}/0`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/1');
    await expect(httpFetch(`${server.url}/0`, { redirect: 'error' })).rejects.toMatchObject({
      name: 'TypeError',
      cause: { message: expect.stringContaining("redirect: 'error'") },
    });
    await expect(httpFetch(`${server.url}/0`)).rejects.toMatchObject({
      cause: { message: expect.stringContaining('more than 20 redirects') },
    });
    expect(server.seen).toHaveLength(1 + 1 + 21);
  });

  it('ends with the signal: before sending, while waiting for the answer, while reading the body', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part'); // and never ends
    });
    const reason = new Error('stopped');
    await expect(httpFetch(server.url, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(server.seen).toHaveLength(0);

    const waiting = new AbortController();
    const pending = httpFetch(`${server.url}/slow`, { signal: waiting.signal });
    await eventually(() => server.seen.length === 1, 'the request to arrive');
    waiting.abort(reason);
    await expect(pending).rejects.toBe(reason);

    const timed = httpFetch(`${server.url}/slow`, { signal: AbortSignal.timeout(50) });
    await expect(timed).rejects.toMatchObject({ name: 'TimeoutError' });

    const reading = new AbortController();
    const response = await httpFetch(`${server.url}/body`, { signal: reading.signal });
    const text = response.text();
    reading.abort(reason);
    await expect(text).rejects.toBe(reason);
  });

  it('fails as fetch does: a TypeError whose cause is the network error', async () => {
    const server = await serve(() => undefined);
    const closed = server.url;
    servers.pop()!.close();
    await new Promise((r) => setImmediate(r));
    await expect(httpFetch(closed)).rejects.toMatchObject({
      name: 'TypeError',
      message: 'fetch failed',
      cause: { code: 'ECONNREFUSED' },
    });
    await expect(httpFetch('ftp://example.com/')).rejects.toMatchObject({
      cause: { message: expect.stringContaining('unsupported protocol ftp:') },
    });
    await expect(
      httpFetch('http://127.0.0.1:1/', { method: 'POST', body: new FormData() }),
    ).rejects.toThrow(/unsupported body/);
  });

  it('speaks TLS: an untrusted certificate fails, a CA in NODE_EXTRA_CA_CERTS is trusted', async () => {
    const pki = await createPki(mkdtempSync(join(tmpdir(), 'quickcd-http-fetch-')));
    const tls = { cert: readFileSync(pki.apiserverCert), key: readFileSync(pki.apiserverKey) };
    const server = await serve(
      (_req, res) => json(res, 200, { tls: true }),
      (listener) => https.createServer(tls, listener),
    );
    await expect(httpFetch(server.url)).rejects.toMatchObject({
      name: 'TypeError',
      cause: { code: expect.stringMatching(/CERT|SIGNATURE|SELF_SIGNED/) },
    });
    // The CA list is read at process start: a child process with the variable set, running
    // httpFetch as esbuild bundles it.
    const built = await build({
      stdin: {
        contents: `import { httpFetch } from './common/http-fetch.ts';
          const r = await httpFetch(${JSON.stringify(server.url)});
          process.stdout.write(await r.text());`,
        resolveDir: REPO_ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
    });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', built.outputFiles[0]!.text],
      { env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: pki.caCert } },
    );
    expect(JSON.parse(stdout)).toEqual({ tls: true });
  });
});
