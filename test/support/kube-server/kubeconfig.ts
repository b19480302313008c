import { writeFile } from 'node:fs/promises';
import { KubeConfig } from '@kubernetes/client-node';

const NAME = 'quickcd-test';
/** The bearer token the kubeconfig carries (the test server accepts any). */
export const TEST_TOKEN = 'quickcd-test-token';

/** A client-node KubeConfig for the server at `url`, current context in `namespace`. */
export function kubeConfigFor(url: string, namespace: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: NAME, server: url, skipTLSVerify: true }],
    users: [{ name: NAME, token: TEST_TOKEN }],
    contexts: [{ name: NAME, cluster: NAME, user: NAME, namespace }],
    currentContext: NAME,
  });
  return kc;
}

/** The kubeconfig file text (YAML) for kubectl and other clients. */
export function kubeconfigYaml(url: string, namespace: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${NAME}`,
    '  cluster:',
    `    server: ${JSON.stringify(url)}`,
    // Plain HTTP: client-node refuses an http:// server unless TLS verification is off.
    '    insecure-skip-tls-verify: true',
    'users:',
    `- name: ${NAME}`,
    '  user:',
    `    token: ${TEST_TOKEN}`,
    'contexts:',
    `- name: ${NAME}`,
    '  context:',
    `    cluster: ${NAME}`,
    `    user: ${NAME}`,
    `    namespace: ${JSON.stringify(namespace)}`,
    `current-context: ${NAME}`,
    'preferences: {}',
    '',
  ].join('\n');
}

/** Writes the kubeconfig file (mode 0600, as kubectl expects for credentials). */
export async function writeKubeconfig(path: string, url: string, namespace: string): Promise<void> {
  await writeFile(path, kubeconfigYaml(url, namespace), { mode: 0o600 });
}
