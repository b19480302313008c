import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  firstShown,
  formatEntries,
  readLogEntries,
  type ContainerLog,
  type LogOptions,
} from './container-log.js';

/** The logs of a Pod's container the server can show: its instances, oldest first. */
export type LogLookup = (
  namespace: string,
  pod: string,
  container: string,
) =>
  | { found: false; message: string }
  | { found: true; instances: readonly ContainerLog[]; waitingReason?: string };

function options(q: URLSearchParams): LogOptions {
  const num = (k: string): number | undefined => {
    const v = q.get(k);
    return v === null || v === '' || Number.isNaN(Number(v)) ? undefined : Number(v);
  };
  const tailLines = num('tailLines');
  const limitBytes = num('limitBytes');
  const sinceSeconds = num('sinceSeconds');
  const sinceTime = q.get('sinceTime');
  const since =
    sinceSeconds !== undefined
      ? new Date(Date.now() - sinceSeconds * 1000)
      : sinceTime
        ? new Date(sinceTime)
        : undefined;
  return {
    timestamps: q.get('timestamps') === 'true',
    ...(tailLines === undefined ? {} : { tailLines }),
    ...(limitBytes === undefined ? {} : { limitBytes }),
    ...(since ? { sinceTime: since } : {}),
  };
}

function streamLog(
  req: IncomingMessage,
  res: ServerResponse,
  log: ContainerLog,
  q: URLSearchParams,
): void {
  const opts = options(q);
  const follow = q.get('follow') === 'true';
  let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private' });
  let entries = readLogEntries(log.file);
  let next = firstShown(entries, opts);
  let unsubscribe: () => void = () => undefined;
  const pump = (): void => {
    entries = readLogEntries(log.file);
    let out = Buffer.from(formatEntries(entries.slice(next), opts.timestamps === true));
    next = entries.length;
    if (out.length > budget) out = out.subarray(0, budget);
    budget -= out.length;
    if (out.length > 0) res.write(out);
    if (budget <= 0 || !follow || log.ended) {
      unsubscribe();
      res.end();
    }
  };
  if (follow) unsubscribe = log.onChange(pump);
  req.on('close', () => unsubscribe());
  pump();
}

/**
 * The node agent's kubelet server (HTTPS with the given certificate, clients verified against
 * `clientCaFile`: the API server's kubelet-client certificate): `GET /healthz` and
 * `GET /containerLogs/<namespace>/<pod>/<container>` with `follow`, `tailLines`, `timestamps`,
 * `limitBytes`, `sinceSeconds`, `sinceTime` and `previous`, as the kubelet serves them to the
 * API server for `kubectl logs`.
 */
export async function serveKubelet(o: {
  certFile: string;
  keyFile: string;
  clientCaFile: string;
  lookup: LogLookup;
}): Promise<{ server: Server; port: number }> {
  const server = createServer(
    {
      cert: readFileSync(o.certFile),
      key: readFileSync(o.keyFile),
      ca: readFileSync(o.clientCaFile),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://node');
      const text = (code: number, body: string): void => {
        res.writeHead(code, { 'Content-Type': 'text/plain' });
        res.end(body);
      };
      if (url.pathname === '/healthz') return text(200, 'ok');
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (!m || req.method !== 'GET') return text(404, '404 page not found');
      const [, ns = '', pod = '', container = ''] = m.map(decodeURIComponent);
      const found = o.lookup(ns, pod, container);
      if (!found.found) return text(404, found.message);
      const previous = url.searchParams.get('previous') === 'true';
      const log = found.instances[found.instances.length - (previous ? 2 : 1)];
      if (!log) {
        return previous
          ? text(400, `previous terminated container "${container}" in pod "${pod}" not found`)
          : text(
              400,
              `container "${container}" in pod "${pod}" is waiting to start: ${found.waitingReason ?? 'ContainerCreating'}`,
            );
      }
      streamLog(
        req,
        res,
        previous ? { ...log, ended: true, onChange: () => () => undefined } : log,
        url.searchParams,
      );
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return { server, port: (server.address() as AddressInfo).port };
}
