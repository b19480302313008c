import { mkdir } from 'node:fs/promises';
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  VersionApi,
  type V1Pod,
} from '@kubernetes/client-node';
import type { SandboxMode } from './container-launch.js';
import { neededHostPaths } from './needed-host-paths.js';
import { nodeCapacity } from './node-status.js';
import { startPodWorker, type PodWorker } from './pod-worker.js';
import { probeSandbox } from './probe-sandbox.js';
import { registerNode } from './register-node.js';
import { serveKubelet, type LogLookup } from './serve-kubelet.js';
import { apiSourceLookup } from './source-lookup.js';
import { watchPods } from './watch-pods.js';

export interface NodeAgentOptions {
  /** Admin kubeconfig of the control plane (client certificate, system:masters). */
  kubeconfigPath: string;
  /** Default `quickcd-node`. */
  nodeName?: string;
  /** Root of the per-Pod directories (volumes, container dirs, logs). */
  workDir: string;
  /** What Pods get as KUBERNETES_SERVICE_HOST/PORT (127.0.0.1:<secure port>). */
  apiServer: { host: string; port: number };
  /**
   * The kubelet's HTTPS serving certificate (SAN 127.0.0.1) and the CA that signed the API
   * server's kubelet-client certificate (clients are verified against it).
   */
  tls: { certFile: string; keyFile: string; clientCaFile: string };
  /** How to run this checkout's quickcd, e.g. [process.execPath, '<checkout>/bin/quickcd.js']. */
  quickcdCommand: readonly string[];
  /** Directory with the suite's kubectl/helm: first on containers' PATH. */
  binDir?: string;
  /** Cap on terminationGracePeriodSeconds, so tests do not wait 30 s for SIGKILL. */
  maxGraceSeconds?: number;
  log?: (msg: string) => void;
  /** Extra Node labels (Pods whose nodeSelector does not match the Node stay unscheduled). */
  nodeLabels?: Readonly<Record<string, string>>;
  /** Skip the probe and use this sandbox mode (tests of `remap`); default: bwrap when it works. */
  sandbox?: SandboxMode;
}

export interface NodeAgent {
  nodeName: string;
  /** The HTTPS port of its kubelet endpoint (containerLogs, healthz). */
  port: number;
  /** How containers are isolated (see README.md): `remap` only when bwrap does not work here. */
  sandbox: SandboxMode;
  /** Kills every container, stops watching and closes the server. */
  stop(): Promise<void>;
}

const terminal = (pod: V1Pod): boolean =>
  pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/**
 * Starts the project's node agent against a real API server: registers the Node and keeps it
 * Ready, binds unscheduled Pods to it (`pods/binding`, as kube-scheduler does), runs the Pods
 * bound to it as local process groups (see pod-worker.ts) and serves the kubelet's log
 * endpoint, so `kubectl logs` works through the API server.
 */
export async function startNodeAgent(o: NodeAgentOptions): Promise<NodeAgent> {
  const log = o.log ?? (() => undefined);
  const nodeName = o.nodeName ?? 'quickcd-node';
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(o.kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await mkdir(o.workDir, { recursive: true });

  const probe = o.sandbox ? { mode: o.sandbox, reason: 'asked for' } : await probeSandbox();
  if (probe.mode === 'remap') {
    log(
      `NODE AGENT SANDBOX: bubblewrap does not work here (${probe.reason ?? ''}); running ` +
        `containers in REMAP mode: no mount namespaces, container paths rewritten under ` +
        `${o.workDir} (see test/support/node-agent/README.md)`,
    );
  }
  const workers = new Map<string, PodWorker>();
  const byName = (ns: string, name: string): PodWorker | undefined =>
    [...workers.values()].reverse().find((w) => w.namespace === ns && w.name === name);
  const lookup: LogLookup = (ns, pod, container) => {
    const w = byName(ns, pod);
    if (!w)
      return { found: false, message: `pod "${pod}" in namespace "${ns}" is not on this node` };
    const instances = w.logs.get(container);
    if (instances) return { found: true, instances };
    if (!w.containerNames.includes(container)) {
      return { found: false, message: `container "${container}" is not valid for pod "${pod}"` };
    }
    const waitingReason = w.waitingReason(container);
    return { found: true, instances: [], ...(waitingReason ? { waitingReason } : {}) };
  };
  const { server, port } = await serveKubelet({ ...o.tls, lookup });

  let kubeletVersion = 'v0.0.0-quickcd';
  try {
    kubeletVersion = (await kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
  } catch (e) {
    log(`cannot read the API server version: ${String(e)}`);
  }
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    ...o.nodeLabels,
  };
  const stopHeartbeat = await registerNode({
    core,
    labels,
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    nodeName,
    port,
    kubeletVersion,
    log,
  });

  const ctx = {
    core,
    nodeName,
    workDir: o.workDir,
    mode: probe.mode,
    apiServer: o.apiServer,
    quickcdCommand: o.quickcdCommand,
    neededHostPaths: neededHostPaths(o.quickcdCommand),
    binDir: o.binDir,
    maxGraceSeconds: o.maxGraceSeconds ?? Number.POSITIVE_INFINITY,
    allocatable: nodeCapacity(),
    sources: apiSourceLookup(core),
    restartBackoffMs: 1000,
    maxRestartBackoffMs: 30_000,
    log,
  };
  const binding = new Set<string>();
  const bind = (pod: V1Pod): void => {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    if (binding.has(uid)) return;
    binding.add(uid);
    const mismatch = Object.entries(pod.spec?.nodeSelector ?? {}).find(([k, v]) => labels[k] !== v);
    if (mismatch) {
      // As kube-scheduler: no node fits, the Pod stays Pending (FailedScheduling).
      log(
        `pod ${namespace}/${name} not bound: nodeSelector ${mismatch[0]}=${mismatch[1]} does not match node ${nodeName}`,
      );
      return;
    }
    core
      .createNamespacedPodBinding({
        namespace,
        name,
        body: {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name, namespace, uid },
          target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
        },
      })
      .catch((e: unknown) => {
        if (!(e instanceof ApiException && (e.code === 409 || e.code === 404))) {
          log(`cannot bind pod ${namespace}/${name}: ${String(e)}`);
          binding.delete(uid); // the next change of the Pod retries
        }
      });
  };
  const forceDelete = (pod: V1Pod): void => {
    const uid = pod.metadata?.uid ?? '';
    core
      .deleteNamespacedPod({
        namespace: pod.metadata?.namespace ?? '',
        name: pod.metadata?.name ?? '',
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      })
      .catch(() => undefined);
  };

  const watcher = watchPods(kubeConfig, core, {
    log,
    onPod(pod) {
      const uid = pod.metadata?.uid ?? '';
      const scheduler = pod.spec?.schedulerName ?? 'default-scheduler';
      if (!pod.spec?.nodeName) {
        if (!pod.metadata?.deletionTimestamp && !terminal(pod) && scheduler === 'default-scheduler')
          bind(pod);
        return;
      }
      if (pod.spec.nodeName !== nodeName) return;
      binding.delete(uid);
      const existing = workers.get(uid);
      if (existing) return existing.update(pod);
      if (terminal(pod)) {
        if (pod.metadata?.deletionTimestamp) forceDelete(pod);
        return;
      }
      const worker = startPodWorker(ctx, pod);
      workers.set(uid, worker);
      worker.update(pod);
    },
    onGone(pod) {
      const uid = pod.metadata?.uid ?? '';
      binding.delete(uid);
      workers.get(uid)?.removed();
      workers.delete(uid);
    },
  });
  await watcher.synced;
  log(`node agent ${nodeName} ready on https://127.0.0.1:${port} (sandbox: ${probe.mode})`);

  return {
    nodeName,
    port,
    sandbox: probe.mode,
    async stop() {
      watcher.stop();
      stopHeartbeat();
      await Promise.all([...workers.values()].map((w) => w.stop()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
