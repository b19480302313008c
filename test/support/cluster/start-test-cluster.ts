import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Fault } from '../kube-fault-proxy/faults.js';
import { startFaultProxy, type FaultProxy } from '../kube-fault-proxy/start-fault-proxy.js';
import {
  startControlPlane,
  type ControlPlane,
  type StartControlPlaneOptions,
} from './start-control-plane.js';
import { nodeAgentOptionsFor } from '../node-agent/node-agent-options-for.js';
import { startNodeAgent, type NodeAgent } from '../node-agent/start-node-agent.js';
import { writeKubeconfig } from './write-kubeconfig.js';

const execFileAsync = promisify(execFile);

export interface StartTestClusterOptions extends StartControlPlaneOptions {
  /** Run the node agent, so Pods run (default true). */
  node?: boolean;
  /** Cap on Pods' terminationGracePeriodSeconds (default 5). */
  maxGraceSeconds?: number;
}

/** The output of a kubectl or helm command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A real control plane for a test file, with a fault-injecting proxy in front of it. Clients
 * under test use `kubeconfigPath` / `kubeConfig()` (through the proxy, so faults apply);
 * assertions use `admin` (straight to the API server).
 */
export interface TestCluster {
  readonly controlPlane: ControlPlane;
  readonly proxy: FaultProxy;
  /** The node agent (undefined with `node: false`); Pods reach the API server through the proxy. */
  readonly node: NodeAgent | undefined;
  /** What the node agent logged. */
  readonly nodeLog: string[];
  /** The API server through the proxy. */
  readonly server: string;
  /** Admin kubeconfig through the proxy. */
  readonly kubeconfigPath: string;
  readonly binDir: string;
  kubeConfig(): KubeConfig;
  /** Admin client-node config straight to the API server (no faults). */
  readonly admin: KubeConfig;
  fault(f: Fault): { remove(): void };
  dropWatches(): number;
  /** Creates a namespace (PodSecurity `restricted` enforced unless said otherwise). */
  createNamespace(
    name: string,
    podSecurity?: 'restricted' | 'baseline' | 'privileged',
  ): Promise<void>;
  /**
   * A client-node config (through the proxy) authenticated as a ServiceAccount with a fresh
   * token; the ServiceAccount is created when missing. RBAC judges it as it would in a Pod.
   */
  serviceAccountKubeConfig(namespace: string, name: string): Promise<KubeConfig>;
  /** Reads an object straight from the API server; undefined on 404. */
  get<T extends KubernetesObject = KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ): Promise<T | undefined>;
  /** Runs the suite's kubectl against the cluster (admin, through the proxy). */
  kubectl(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CommandResult>;
  /** Runs the suite's helm against the cluster (admin, through the proxy). */
  helm(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CommandResult>;
  stop(): Promise<void>;
}

/** Runs a command; a non-zero exit is a result, a command that cannot start an error. */
export async function runTool(
  binary: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(binary, [...args], {
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

/** Starts a control plane and its fault proxy for one test file (about 3 s). */
export async function startTestCluster(
  options: StartTestClusterOptions = {},
): Promise<TestCluster> {
  const controlPlane = await startControlPlane(options);
  const { pki, binDir } = controlPlane;
  let proxy: FaultProxy | undefined;
  let node: NodeAgent | undefined;
  const nodeLog: string[] = [];
  try {
    proxy = await startFaultProxy({ upstream: controlPlane.server, pki });
    if (options.node !== false) {
      node = await startNodeAgent(
        nodeAgentOptionsFor(controlPlane, join(controlPlane.dir, 'node'), {
          apiServer: { host: '127.0.0.1', port: proxy.port },
          maxGraceSeconds: options.maxGraceSeconds ?? 5,
          log: (m) => nodeLog.push(m),
        }),
      );
    }
    const kubeconfigPath = join(controlPlane.dir, 'proxy-admin.kubeconfig');
    await writeKubeconfig(kubeconfigPath, {
      server: proxy.url,
      caCertFile: pki.caCert,
      clientCertFile: pki.adminCert,
      clientKeyFile: pki.adminKey,
      user: 'kubernetes-admin',
    });
    const kubeConfig = (): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    };
    const admin = controlPlane.kubeConfig();
    const objects = KubernetesObjectApi.makeApiClient(admin);
    const toolEnv = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
      PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: controlPlane.dir,
      KUBECONFIG: kubeconfigPath,
      HELM_CACHE_HOME: join(controlPlane.dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(controlPlane.dir, 'helm', 'config'),
      HELM_DATA_HOME: join(controlPlane.dir, 'helm', 'data'),
      ...env,
    });
    const p = proxy;
    return {
      controlPlane,
      proxy: p,
      node,
      nodeLog,
      server: p.url,
      kubeconfigPath,
      binDir,
      kubeConfig,
      admin,
      fault: (f) => p.fault(f),
      dropWatches: () => p.dropWatches(),
      async createNamespace(name, podSecurity = 'restricted') {
        await admin.makeApiClient(CoreV1Api).createNamespace({
          body: {
            metadata: {
              name,
              labels: {
                'pod-security.kubernetes.io/enforce': podSecurity,
                'pod-security.kubernetes.io/enforce-version': 'latest',
              },
            },
          },
        });
      },
      async serviceAccountKubeConfig(namespace, name) {
        const core = admin.makeApiClient(CoreV1Api);
        await core
          .createNamespacedServiceAccount({ namespace, body: { metadata: { name } } })
          .catch((e: unknown) => {
            if (!(e instanceof ApiException && e.code === 409)) throw e;
          });
        const { status } = await core.createNamespacedServiceAccountToken({
          namespace,
          name,
          body: { spec: { audiences: [], expirationSeconds: 3600 } },
        });
        const kc = new KubeConfig();
        kc.loadFromOptions({
          clusters: [{ name: 'test', server: p.url, caData: admin.getCurrentCluster()?.caData }],
          users: [{ name, token: status?.token }],
          contexts: [{ name: 'test', cluster: 'test', user: name, namespace }],
          currentContext: 'test',
        });
        return kc;
      },
      async get<T extends KubernetesObject>(
        apiVersion: string,
        kind: string,
        namespace: string,
        name: string,
      ) {
        try {
          const header = { apiVersion, kind, metadata: { namespace, name } };
          return await objects.read<T>(header);
        } catch (e) {
          if (e instanceof ApiException && e.code === 404) return undefined;
          throw e;
        }
      },
      kubectl: (args, env) => runTool(join(binDir, 'kubectl'), args, toolEnv(env)),
      helm: (args, env) => runTool(join(binDir, 'helm'), args, toolEnv(env)),
      async stop() {
        await node?.stop();
        await p.close();
        await controlPlane.stop();
      },
    };
  } catch (e) {
    await node?.stop();
    await proxy?.close();
    await controlPlane.stop();
    throw e;
  }
}
