import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterBinDir } from './cluster-bin-dir.js';
import { createPki, SERVICE_CLUSTER_IP_RANGE, type Pki } from './create-pki.js';
import { startProcess, type ComponentProcess } from './start-process.js';
import { writeKubeconfig } from './write-kubeconfig.js';

/** The controllers kube-controller-manager runs (there is no kubelet, no cloud, no scheduler). */
export const CONTROLLERS = [
  'job',
  'garbagecollector',
  'ttl-after-finished',
  'deployment',
  'replicaset',
  'serviceaccount',
  'serviceaccount-token',
  'namespace',
  'root-ca-cert-publisher',
] as const;

export interface StartControlPlaneOptions {
  /** Where data, certificates and logs go (default: a new temporary directory, removed on stop). */
  dir?: string;
  /** Keep `dir` after stop (default: only when it was given). */
  keepDir?: boolean;
  /** The secure port of kube-apiserver (default: a free one). */
  apiserverPort?: number;
  /** Directory of the binaries (default: test/cluster/build's). */
  binDir?: string;
  /** How long to wait for every component to be healthy. */
  timeoutMs?: number;
}

/** A running etcd + kube-apiserver + kube-controller-manager on loopback. */
export interface ControlPlane {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly binDir: string;
  readonly pki: Pki;
  /** An admin (system:masters) kubeconfig file. */
  readonly kubeconfigPath: string;
  /** The API server's audit log (JSON lines, one per request, level Metadata). */
  readonly auditLog: string;
  /** client-node configuration for the admin. */
  kubeConfig(): KubeConfig;
  /** The components, for their logs. */
  readonly components: readonly ComponentProcess[];
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Tls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** GET over HTTPS; resolves with the status code, or undefined when the server did not answer. */
function httpsStatus(url: string, tls: Tls): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { ...tls, rejectUnauthorized: true, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `check` returns true, failing early when `component` exits and, at the deadline,
 * with the last lines of its log.
 */
async function waitFor(
  what: string,
  component: ComponentProcess,
  deadline: number,
  check: () => Promise<boolean>,
): Promise<void> {
  let exited: string | undefined;
  void component.exited.then((how) => (exited = how));
  for (;;) {
    if (await check()) return;
    if (exited !== undefined || Date.now() > deadline) {
      const why = exited ?? 'timed out';
      throw new Error(
        `${component.name} did not become ready (${what}): ${why}; last lines of ${component.logFile}:\n${await component.tail()}`,
      );
    }
    await sleep(100);
  }
}

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
`;

/**
 * Starts a real Kubernetes control plane on loopback: etcd, kube-apiserver (client-certificate
 * and service-account token authentication, Node,RBAC authorization, the ServiceAccount and
 * PodSecurity admission plugins among the defaults, audit log) and kube-controller-manager
 * (CONTROLLERS, with per-controller service-account credentials). Resolves once the API server
 * is ready and the controllers work (the `default` ServiceAccount and the `kube-root-ca.crt`
 * ConfigMap exist in `default`). No node: see test/support/node-agent.
 */
export async function startControlPlane(
  options: StartControlPlaneOptions = {},
): Promise<ControlPlane> {
  const binDir = options.binDir ?? clusterBinDir();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'quickcd-cluster-')));
  const keepDir = options.keepDir ?? options.dir !== undefined;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  await mkdir(join(dir, 'logs'), { recursive: true });
  const pki = await createPki(join(dir, 'pki'));
  const [etcdClient, etcdPeer, port, kcmPort] = await Promise.all([
    freePort(),
    freePort(),
    options.apiserverPort ?? freePort(),
    freePort(),
  ]);
  const host = '127.0.0.1';
  const server = `https://${host}:${port}`;
  const components: ComponentProcess[] = [];
  const bin = (name: string): string => join(binDir, name);
  const logFile = (name: string): string => join(dir, 'logs', `${name}.log`);

  const stop = async (): Promise<void> => {
    for (const c of [...components].reverse()) await c.stop();
    if (!keepDir) await rm(dir, { recursive: true, force: true });
  };

  try {
    const etcd = startProcess(
      'etcd',
      bin('etcd'),
      [
        '--name=quickcd-test',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=http://${host}:${etcdClient}`,
        `--advertise-client-urls=http://${host}:${etcdClient}`,
        `--listen-peer-urls=http://${host}:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://${host}:${etcdPeer}`,
        `--initial-cluster=quickcd-test=http://${host}:${etcdPeer}`,
        // Test data is disposable: skipping fsync makes every write much cheaper.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      logFile('etcd'),
    );
    components.push(etcd);
    await waitFor('GET /health', etcd, deadline, async () => {
      const res = await fetch(`http://${host}:${etcdClient}/health`).catch(() => undefined);
      return res?.ok === true;
    });

    const auditPolicy = join(dir, 'audit-policy.yaml');
    const auditLog = join(dir, 'logs', 'audit.log');
    await writeFile(auditPolicy, AUDIT_POLICY);
    const apiserver = startProcess(
      'kube-apiserver',
      bin('kube-apiserver'),
      [
        `--etcd-servers=http://${host}:${etcdClient}`,
        `--bind-address=${host}`,
        `--advertise-address=${host}`,
        `--secure-port=${port}`,
        `--tls-cert-file=${pki.apiserverCert}`,
        `--tls-private-key-file=${pki.apiserverKey}`,
        `--client-ca-file=${pki.caCert}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        '--authorization-mode=Node,RBAC',
        '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity,NodeRestriction',
        `--kubelet-client-certificate=${pki.kubeletClientCert}`,
        `--kubelet-client-key=${pki.kubeletClientKey}`,
        '--kubelet-preferred-address-types=InternalIP',
        // No Service traffic exists here: do not write Endpoints for 127.0.0.1.
        '--endpoint-reconciler-type=none',
        `--audit-policy-file=${auditPolicy}`,
        `--audit-log-path=${auditLog}`,
        '--audit-log-format=json',
        '--profiling=false',
        '--v=0',
      ],
      logFile('kube-apiserver'),
    );
    components.push(apiserver);
    const adminTls: Tls = {
      ca: readFileSync(pki.caCert),
      cert: readFileSync(pki.adminCert),
      key: readFileSync(pki.adminKey),
    };
    await waitFor('GET /readyz', apiserver, deadline, async () => {
      return (await httpsStatus(`${server}/readyz`, adminTls)) === 200;
    });

    const kubeconfigPath = join(dir, 'admin.kubeconfig');
    await writeKubeconfig(kubeconfigPath, {
      server,
      caCertFile: pki.caCert,
      clientCertFile: pki.adminCert,
      clientKeyFile: pki.adminKey,
      user: 'kubernetes-admin',
    });
    const kcmKubeconfig = join(dir, 'controller-manager.kubeconfig');
    await writeKubeconfig(kcmKubeconfig, {
      server,
      caCertFile: pki.caCert,
      clientCertFile: pki.controllerManagerCert,
      clientKeyFile: pki.controllerManagerKey,
      user: 'system:kube-controller-manager',
    });
    const kcm = startProcess(
      'kube-controller-manager',
      bin('kube-controller-manager'),
      [
        `--kubeconfig=${kcmKubeconfig}`,
        `--authentication-kubeconfig=${kcmKubeconfig}`,
        `--authorization-kubeconfig=${kcmKubeconfig}`,
        `--bind-address=${host}`,
        `--secure-port=${kcmPort}`,
        `--controllers=${CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.caCert}`,
        '--use-service-account-credentials',
        '--leader-elect=false',
        '--v=0',
      ],
      logFile('kube-controller-manager'),
    );
    components.push(kcm);
    const kubeConfig = (): KubeConfig => {
      const kc = new KubeConfig();
      kc.loadFromFile(kubeconfigPath);
      return kc;
    };
    const core = kubeConfig().makeApiClient(CoreV1Api);
    await waitFor('the default ServiceAccount and kube-root-ca.crt', kcm, deadline, async () => {
      const found = await Promise.all([
        core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' }),
        core.readNamespacedConfigMap({ name: 'kube-root-ca.crt', namespace: 'default' }),
      ]).then(
        () => true,
        () => false,
      );
      return found;
    });

    return {
      server,
      host,
      port,
      dir,
      binDir,
      pki,
      kubeconfigPath,
      auditLog,
      kubeConfig,
      components,
      stop,
    };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}
