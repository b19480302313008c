import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ServerContext } from './context.js';
import { Faults, type Fault } from './faults.js';
import { startOrphanCollector } from './garbage-collector.js';
import { sendError } from './http-util.js';
import { startJobController } from './job-controller.js';
import { kubeConfigFor, writeKubeconfig } from './kubeconfig.js';
import { startNodeAgent, type NodeAgent } from './node-agent.js';
import { ObjectStore } from './object-store.js';
import { PodLogs } from './pod-logs.js';
import { route } from './router.js';
import type { KubeObject } from './types.js';

/** Options of startKubeServer. */
export interface StartKubeServerOptions {
  /** Port on 127.0.0.1; default: a free one. */
  port?: number;
  /** Namespace of the kubeconfig context; created besides `default`. Default `default`. */
  namespace?: string;
  /** When given, a kubeconfig for this server is written there. */
  kubeconfigPath?: string;
  /** Replaces a container command starting with `quickcd`; default `node <repo>/bin/quickcd.js`. */
  quickcdCommand?: string[];
  /** Root of pod filesystems; default a fresh temporary directory. */
  workDir?: string;
  /** Run the Job controller and node agent (default true). */
  controllers?: boolean;
  /** Watch history kept for resuming watches (default 1000 changes; older → 410). */
  watchHistorySize?: number;
  /** BOOKMARK interval for watches with allowWatchBookmarks (default 1000 ms). */
  bookmarkIntervalMs?: number;
  /** Cap on a pod's terminationGracePeriodSeconds (default 2). */
  maxGraceSeconds?: number;
}

/** A resource the inspection helpers accept. */
export type InspectableResource = 'configmaps' | 'secrets' | 'jobs' | 'pods' | 'leases';

/** One served request. `status` is 0 until the response finished. */
export interface RecordedRequest {
  method: string;
  /** URL path without the query. */
  path: string;
  /** The query string, with its leading `?` (or ''). */
  query: string;
  status: number;
  at: Date;
}

/** A running Kubernetes API test server. */
export interface KubeTestServer {
  readonly url: string;
  readonly kubeconfigPath: string | undefined;
  readonly namespace: string;
  /** Root of the pod filesystems. */
  readonly workDir: string;
  /** A @kubernetes/client-node KubeConfig pointing at this server. */
  kubeConfig(): KubeConfig;
  /** A copy of a stored object, straight from storage. */
  get(resource: InspectableResource, namespace: string, name: string): KubeObject | undefined;
  /** Copies of stored objects, optionally of one namespace. */
  list(resource: InspectableResource, namespace?: string): KubeObject[];
  /** Every request served so far, in arrival order. */
  readonly requests: RecordedRequest[];
  /** All output of a pod's container so far (kept after the pod is deleted). */
  podLogs(namespace: string, podName: string): string;
  /** Injects a fault; `drop-watches` ends all open watch streams at once. */
  fault(f: Fault): { remove(): void };
  /** Stops controllers, kills running pod process groups, ends watches, closes the server. */
  close(): Promise<void>;
}

const DEFAULT_QUICKCD = [
  'node',
  fileURLToPath(new URL('../../../bin/quickcd.js', import.meta.url)),
];

/** Starts a Kubernetes API test server on 127.0.0.1 (see index.ts for what it serves). */
export async function startKubeServer(o: StartKubeServerOptions = {}): Promise<KubeTestServer> {
  const namespace = o.namespace ?? 'default';
  const workDir = o.workDir ?? (await mkdtemp(join(tmpdir(), 'quickcd-kube-')));
  const ctx: ServerContext = {
    store: new ObjectStore(o.watchHistorySize ?? 1000),
    logs: new PodLogs(),
    watches: new Set(),
    bookmarkIntervalMs: o.bookmarkIntervalMs ?? 1000,
  };
  for (const ns of new Set(['default', namespace])) {
    ctx.store.create('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  const faults = new Faults();
  const requests: RecordedRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 0,
      at: new Date(),
    };
    requests.push(entry);
    res.on('close', () => (entry.status = res.statusCode));
    try {
      if (await faults.apply(req, res, url.pathname)) return;
      await route(ctx, req, res, url);
    } catch (e) {
      sendError(res, e);
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const controllersOn = o.controllers ?? true;
  const stopOrphans = startOrphanCollector(ctx);
  let agent: NodeAgent | undefined;
  let jobs: { stop(): void } | undefined;
  if (controllersOn) {
    agent = startNodeAgent(ctx, {
      workDir,
      quickcdCommand: o.quickcdCommand ?? DEFAULT_QUICKCD,
      maxGraceSeconds: o.maxGraceSeconds ?? 2,
      nodeName: 'quickcd-test-node',
    });
    jobs = startJobController(ctx, agent);
  }
  if (o.kubeconfigPath) await writeKubeconfig(o.kubeconfigPath, url, namespace);

  let closed: Promise<void> | undefined;
  return {
    url,
    kubeconfigPath: o.kubeconfigPath,
    namespace,
    workDir,
    requests,
    kubeConfig: () => kubeConfigFor(url, namespace),
    get: (resource, ns, name) => ctx.store.get(resource, ns, name),
    list: (resource, ns) => ctx.store.list(resource, ns),
    podLogs: (ns, pod) => ctx.logs.text(ns, pod),
    fault(f) {
      if (f.kind === 'drop-watches') {
        for (const w of [...ctx.watches]) w.end();
        return { remove: () => undefined };
      }
      return faults.add(f);
    },
    close() {
      closed ??= (async () => {
        jobs?.stop();
        stopOrphans();
        await agent?.stop();
        for (const w of [...ctx.watches]) w.end();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}
