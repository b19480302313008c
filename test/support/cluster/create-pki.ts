import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the control plane's certificates and keys (PEM files). */
export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  /** kube-apiserver's serving certificate (127.0.0.1, localhost, kubernetes.default.svc…). */
  apiserverCert: string;
  apiserverKey: string;
  /** The API server's client certificate towards kubelets (system:masters). */
  kubeletClientCert: string;
  kubeletClientKey: string;
  /** The node agent's kubelet serving certificate (127.0.0.1). */
  kubeletCert: string;
  kubeletKey: string;
  /** Client certificates: cluster admin (system:masters) and kube-controller-manager. */
  adminCert: string;
  adminKey: string;
  controllerManagerCert: string;
  controllerManagerKey: string;
  /** The service-account token signing key pair. */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

interface Leaf {
  name: string;
  subject: string;
  usage: 'serverAuth' | 'clientAuth';
  altNames?: string;
}

/** The API server's Service IP (first address of the service range) and names. */
export const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/24';
const API_SERVICE_IP = '10.96.0.1';

const LEAVES: readonly Leaf[] = [
  {
    name: 'apiserver',
    subject: '/CN=kube-apiserver',
    usage: 'serverAuth',
    altNames: [
      'IP:127.0.0.1',
      `IP:${API_SERVICE_IP}`,
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ].join(','),
  },
  {
    name: 'kubelet',
    subject: '/CN=quickcd-node',
    usage: 'serverAuth',
    altNames: 'IP:127.0.0.1,DNS:localhost',
  },
  {
    name: 'kubelet-client',
    subject: '/O=system:masters/CN=kube-apiserver-kubelet-client',
    usage: 'clientAuth',
  },
  { name: 'admin', subject: '/O=system:masters/CN=kubernetes-admin', usage: 'clientAuth' },
  {
    name: 'controller-manager',
    subject: '/CN=system:kube-controller-manager',
    usage: 'clientAuth',
  },
];

async function openssl(cwd: string, args: string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    const hint = err.code === 'ENOENT' ? ' (install openssl: apt-get install openssl)' : '';
    throw new Error(`openssl ${args[0] ?? ''} failed${hint}: ${err.stderr ?? err.message}`, {
      cause: e,
    });
  }
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

/**
 * Creates a throwaway PKI for one control plane in `dir` with openssl (P-256 keys, so it takes
 * a fraction of a second): a CA, the serving and client certificates of every component and
 * the service-account signing keys.
 */
export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  await openssl(dir, [
    'req',
    '-x509',
    '-nodes',
    ...EC,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '3650',
    '-subj',
    '/CN=quickcd-test-ca',
  ]);
  await Promise.all(
    LEAVES.map(async (leaf) => {
      const ext = [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${leaf.usage}`,
        ...(leaf.altNames ? [`subjectAltName=${leaf.altNames}`] : []),
      ].join('\n');
      await writeFile(join(dir, `${leaf.name}.ext`), `${ext}\n`);
      await openssl(dir, [
        'req',
        '-new',
        '-nodes',
        ...EC,
        '-keyout',
        `${leaf.name}.key`,
        '-out',
        `${leaf.name}.csr`,
        '-subj',
        leaf.subject,
      ]);
      await openssl(dir, [
        'x509',
        '-req',
        '-in',
        `${leaf.name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-set_serial',
        String(Math.floor(Math.random() * 2 ** 48)),
        '-days',
        '365',
        '-extfile',
        `${leaf.name}.ext`,
        '-out',
        `${leaf.name}.crt`,
      ]);
    }),
  );
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key']);
  await openssl(dir, ['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const p = (f: string): string => join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCert: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    kubeletClientCert: p('kubelet-client.crt'),
    kubeletClientKey: p('kubelet-client.key'),
    kubeletCert: p('kubelet.crt'),
    kubeletKey: p('kubelet.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    controllerManagerCert: p('controller-manager.crt'),
    controllerManagerKey: p('controller-manager.key'),
    serviceAccountKey: p('sa.key'),
    serviceAccountPub: p('sa.pub'),
  };
}
