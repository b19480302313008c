import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type RequestOptions } from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Pki } from '../cluster/create-pki.js';
import { Faults, type Fault } from './faults.js';

/** One request that went through the proxy. */
export interface ProxiedRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** The client's identity: its certificate's CN, or `bearer` for a token. */
  user: string;
  /** The Accept header sent, if any (e.g. a metadata-only list asks for PartialObjectMetadata). */
  accept?: string;
  /** The status answered (undefined while a stream is open). */
  status?: number;
  /** Whether a fault answered it instead of the API server. */
  injected: boolean;
}

export interface FaultProxy {
  /** `https://127.0.0.1:<port>`: use it as the `server` of a kubeconfig (same CA). */
  readonly url: string;
  readonly port: number;
  readonly requests: ProxiedRequest[];
  /** Injects a fault; returns its remover. */
  fault(f: Fault): { remove(): void };
  /** Ends every open watch (and other streaming) connection at once, as a dropped connection. */
  dropWatches(): number;
  close(): Promise<void>;
}

export interface StartFaultProxyOptions {
  /** The real API server, `https://127.0.0.1:<port>`. */
  upstream: string;
  pki: Pki;
  port?: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);

function subjectField(subject: unknown, field: 'CN' | 'O'): string[] {
  if (!subject || typeof subject !== 'object') return [];
  const v = (subject as Record<string, unknown>)[field];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/**
 * A small fault-injecting HTTPS proxy in front of the real kube-apiserver: the reliability
 * tests keep their faults (5xx, 409, 429 with Retry-After, slow responses, dropped and expired
 * watches) while every answer that is not injected comes from Kubernetes itself.
 *
 * It serves with the API server's certificate (same CA, SAN 127.0.0.1) and asks for a client
 * certificate. Upstream it presents the admin certificate and impersonates the client's
 * certificate identity (CN as user, O as groups), so RBAC still judges the real user; a bearer
 * token (a service account) is forwarded as it is, over a connection without a client
 * certificate.
 */
export async function startFaultProxy(o: StartFaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(o.upstream);
  const ca = readFileSync(o.pki.caCert);
  const adminAgent = new Agent({
    ca,
    cert: readFileSync(o.pki.adminCert),
    key: readFileSync(o.pki.adminKey),
    keepAlive: true,
  });
  const anonymousAgent = new Agent({ ca, keepAlive: true });
  const faults = new Faults();
  const requests: ProxiedRequest[] = [];
  const streams = new Set<{ up: IncomingMessage; res: ServerResponse }>();

  const server = createServer(
    {
      cert: readFileSync(o.pki.apiserverCert),
      key: readFileSync(o.pki.apiserverKey),
      ca,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      void (async () => {
        const method = req.method ?? 'GET';
        const path = req.url ?? '/';
        const isWatch = /[?&]watch=(true|1)/.test(path) || /\/watch\//.test(path);
        const socket = req.socket as TLSSocket;
        const peer = socket.authorized ? socket.getPeerCertificate() : undefined;
        const cn = subjectField(peer?.subject, 'CN')[0];
        const bearer = /^bearer /i.test(req.headers.authorization ?? '');
        const entry: ProxiedRequest = {
          method,
          path,
          user: cn ?? (bearer ? 'bearer' : 'anonymous'),
          ...(req.headers.accept === undefined ? {} : { accept: req.headers.accept }),
          injected: false,
        };
        requests.push(entry);
        const action = await faults.decide(method, path, isWatch);
        if (action.kind === 'respond') {
          entry.injected = true;
          entry.status = action.status;
          res.writeHead(action.status, action.headers);
          res.end(action.body);
          return;
        }
        const headers: OutgoingHttpHeaders = {};
        // The admin's own Impersonate-* headers (`kubectl --as`) pass; anyone else's identity is
        // the proxy's to set.
        const admin = !bearer && cn === 'kubernetes-admin';
        for (const [k, v] of Object.entries(req.headers)) {
          if (!HOP_BY_HOP.has(k) && (admin || !k.startsWith('impersonate-'))) headers[k] = v;
        }
        headers.host = upstream.host;
        let agent = anonymousAgent;
        if (!bearer && cn !== undefined) {
          agent = adminAgent;
          if (cn !== 'kubernetes-admin') {
            headers['impersonate-user'] = cn;
            const groups = subjectField(peer?.subject, 'O');
            if (groups.length > 0) headers['impersonate-group'] = groups;
          }
        }
        const options: RequestOptions = {
          host: upstream.hostname,
          port: upstream.port,
          method,
          path,
          headers,
          agent,
        };
        const up = request(options, (upRes) => {
          if (upRes.statusCode !== undefined) entry.status = upRes.statusCode;
          const out: OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(upRes.headers))
            if (!HOP_BY_HOP.has(k) && v !== undefined) out[k] = v;
          res.writeHead(upRes.statusCode ?? 502, out);
          res.flushHeaders();
          const stream = { up: upRes, res };
          streams.add(stream);
          upRes.once('close', () => streams.delete(stream));
          upRes.pipe(res);
          res.once('close', () => upRes.destroy());
        });
        up.once('error', (e) => {
          if (res.headersSent) return res.destroy();
          res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`fault proxy: upstream error: ${e.message}`);
        });
        req.pipe(up);
      })();
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    requests,
    fault: (f) => faults.add(f),
    dropWatches() {
      const n = streams.size;
      for (const s of streams) {
        s.res.socket?.destroy();
        s.up.destroy();
      }
      return n;
    },
    async close() {
      for (const s of streams) s.up.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      adminAgent.destroy();
      anonymousAgent.destroy();
    },
  };
}
