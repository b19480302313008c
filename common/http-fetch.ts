import type { Agent, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { pipeline, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import { HttpResponse } from './http-response.js';

/**
 * `fetch` over `node:http` and `node:https`, for Octokit. Node's own `fetch` (undici) compiles
 * its WebAssembly HTTP parser in every process that makes a first request: on Node 20 that is
 * ~0.1 s of CPU and ~18 MB of resident memory (V8's compiler zones, not given back), more than
 * the whole idle scheduler's heap, and paid again by every runner. `node:http` parses in C.
 *
 * What it does as `fetch` does: string and byte bodies (and streams, not replayed on a
 * redirect), gzip, deflate and brotli answers decoded, redirects followed (up to 20; 303, and
 * 301/302 after a POST, become a GET; `authorization`, `cookie` and `proxy-authorization` are
 * not sent to another origin), `redirect: 'manual' | 'error'`, an `AbortSignal` that ends the
 * request or the body with its reason, and network errors as a `TypeError` whose `cause` is the
 * error (Octokit reads both). Connections are kept alive. Not supported: `Request` objects,
 * `FormData` and `Blob` bodies (a `TypeError` says so).
 */
export async function httpFetch(
  input: string | URL | Request,
  init: RequestInit = {},
): Promise<Response> {
  const signal = init.signal ?? undefined;
  signal?.throwIfAborted();
  if (typeof input !== 'string' && !(input instanceof URL))
    throw new TypeError('httpFetch: expected a URL string or URL, got a Request');
  let url = new URL(input);
  let method = (init.method ?? 'GET').toUpperCase();
  const headers = headerRecord(init.headers);
  let body = requestBody(init.body, headers);
  headers['accept-encoding'] ??= 'gzip, deflate, br';
  for (let redirects = 0; ; redirects++) {
    const message = await send(url, method, headers, body, signal);
    const status = message.statusCode ?? 0;
    const location = message.headers.location;
    if (!REDIRECT.has(status) || location === undefined || init.redirect === 'manual') {
      const body = responseBody(message, method, signal);
      // No body: the connection is free again once the answer has ended, for the next request.
      if (body === null) await finished(message).catch(() => undefined);
      return new HttpResponse({
        message,
        body,
        url: url.href,
        redirected: redirects > 0,
      }) as unknown as Response;
    }
    message.resume();
    const next = new URL(location, url);
    if (init.redirect === 'error') throw failed(`redirected to ${next.href} (redirect: 'error')`);
    if (redirects >= 20) throw failed(`more than 20 redirects, the last to ${next.href}`);
    if (
      (status === 303 && method !== 'HEAD') ||
      ((status === 301 || status === 302) && method === 'POST')
    ) {
      method = 'GET';
      body = undefined;
      for (const name of Object.keys(headers))
        if (name.startsWith('content-')) delete headers[name];
    } else if (body instanceof Readable) {
      throw failed(`cannot send a stream body again to ${next.href} (a ${status} redirect)`);
    }
    if (next.origin !== url.origin) for (const name of CREDENTIALS) delete headers[name];
    url = next;
  }
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];
/**
 * Idle connections are kept (and do not hold the process open: the agent unrefs them) for
 * 4 s, as undici's keep-alive does: a server closes an idle connection after a while (Node's
 * after 5 s), and a request sent on one it has just closed fails.
 */
const agents = new Map<string, Agent>();
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000 };

type Body = Buffer | Readable | undefined;

function failed(message: string, cause?: unknown): TypeError {
  return new TypeError('fetch failed', { cause: cause ?? new Error(message) });
}

function headerRecord(given: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!given) return out;
  const entries: Iterable<readonly [string, string]> =
    Symbol.iterator in given
      ? (given as Iterable<readonly [string, string]>)
      : Object.entries(given as Record<string, string>);
  for (const [name, value] of entries) {
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? String(value) : `${out[key]}, ${value}`;
  }
  return out;
}

function requestBody(given: RequestInit['body'], headers: Record<string, string>): Body {
  if (given === undefined || given === null) return undefined;
  const type = (t: string) => (headers['content-type'] ??= t);
  if (typeof given === 'string') {
    type('text/plain;charset=UTF-8');
    return Buffer.from(given);
  }
  if (given instanceof URLSearchParams) {
    type('application/x-www-form-urlencoded;charset=UTF-8');
    return Buffer.from(given.toString());
  }
  if (ArrayBuffer.isView(given))
    return Buffer.from(given.buffer, given.byteOffset, given.byteLength);
  if (given instanceof ArrayBuffer) return Buffer.from(given);
  if (given instanceof Readable) return given;
  if (typeof (given as ReadableStream).getReader === 'function')
    return Readable.fromWeb(given as Parameters<typeof Readable.fromWeb>[0]);
  if (Symbol.asyncIterator in (given as object))
    return Readable.from(given as unknown as AsyncIterable<Uint8Array>);
  throw new TypeError(
    `httpFetch: unsupported body (${Object.prototype.toString.call(given)}): send a string, bytes or a stream`,
  );
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: Body,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:')
    return Promise.reject(failed(`unsupported protocol ${url.protocol} in ${url.href}`));
  // Loaded at the first request: the runner's startup snapshot (cli/runner-snapshot.ts) holds
  // this module, and Node 20 cannot put `node:http` in a snapshot.
  const transport = secure
    ? process.getBuiltinModule('node:https')
    : process.getBuiltinModule('node:http');
  let agent = agents.get(url.protocol);
  if (!agent) {
    agent = new transport.Agent(KEEP_ALIVE);
    agents.set(url.protocol, agent);
  }
  const outgoing: OutgoingHttpHeaders = { ...headers };
  if (Buffer.isBuffer(body)) outgoing['content-length'] = body.byteLength;
  else if (body === undefined && (method === 'POST' || method === 'PUT' || method === 'PATCH'))
    outgoing['content-length'] = 0;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, { method, headers: outgoing, agent });
    const onAbort = () => request.destroy(signal?.reason as Error);
    signal?.addEventListener('abort', onAbort, { once: true });
    request.once('response', (message) => {
      signal?.removeEventListener('abort', onAbort);
      resolve(message);
    });
    request.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? (signal.reason as Error) : failed(error.message, error));
    });
    if (body instanceof Readable) pipeline(body, request, () => undefined);
    else request.end(body);
  });
}

/** The decoded body, which the signal (if any) ends with its reason; null if there is none. */
function responseBody(
  message: IncomingMessage,
  method: string,
  signal: AbortSignal | undefined,
): Readable | null {
  const status = message.statusCode ?? 0;
  if (method === 'HEAD' || status === 204 || status === 205 || status === 304) {
    message.resume();
    return null;
  }
  const encoding = (message.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH })
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : undefined;
  const body: Readable = decoder ? pipeline(message, decoder, () => undefined) : message;
  if (signal?.aborted) body.destroy(signal.reason as Error);
  else if (signal) {
    const onAbort = () => body.destroy(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    body.once('close', () => signal.removeEventListener('abort', onAbort));
  }
  return body;
}
