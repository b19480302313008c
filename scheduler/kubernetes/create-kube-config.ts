import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { Config } from '../../common/config.js';
import { QuickcdError, errorMessage } from '../../common/errors.js';

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeTarget {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** Where the configuration came from, for logs and errors. */
  readonly source: string;
}

/**
 * The cluster to talk to: `--kubeconfig`/`KUBECONFIG` when given; else, in a Pod, its service
 * account and namespace; else `~/.kube/config`. The namespace is `QUICKCD_NAMESPACE` (legacy
 * `CD_NAMESPACE`), else the Pod's, else the kubeconfig context's, else `default`.
 */
export function createKubeConfig(
  config: Pick<Config, 'kubeconfig' | 'namespace'>,
  serviceAccountDir = SERVICE_ACCOUNT_DIR,
): KubeTarget {
  const kubeConfig = new KubeConfig();
  let source: string;
  let podNamespace: string | undefined;
  try {
    if (config.kubeconfig) {
      kubeConfig.loadFromFile(config.kubeconfig);
      source = `kubeconfig ${config.kubeconfig}`;
    } else if (existsSync(`${serviceAccountDir}/token`) && process.env.KUBERNETES_SERVICE_HOST) {
      kubeConfig.loadFromCluster();
      source = 'in-cluster service account';
      podNamespace = readFileSync(`${serviceAccountDir}/namespace`, 'utf8').trim();
    } else {
      // Without any configuration client-node would invent http://localhost: say so instead.
      if (!existsSync(join(homedir(), '.kube', 'config'))) {
        throw unreachable(
          'no Kubernetes cluster is configured (no KUBECONFIG, no ~/.kube/config, not in a Pod)',
        );
      }
      kubeConfig.loadFromDefault();
      source = 'default kubeconfig (~/.kube/config)';
    }
  } catch (error) {
    if (error instanceof QuickcdError) throw error;
    throw unreachable(`cannot load the Kubernetes configuration: ${errorMessage(error)}`, error);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw unreachable('no Kubernetes cluster is configured (no kubeconfig, not in a Pod)');
  }
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const namespace = config.namespace ?? podNamespace ?? contextNamespace ?? 'default';
  return { kubeConfig, namespace, source };
}

/** The error for "no cluster": says how to pick the embedded adapters instead. */
export function unreachable(reason: string, cause?: unknown): QuickcdError {
  return new QuickcdError(
    'CLUSTER_UNREACHABLE',
    `${reason}. Point quickcd at a cluster with --kubeconfig <file> (or KUBECONFIG), or run without one: ` +
      '--store file --executor local (or QUICKCD_STORE=file QUICKCD_EXECUTOR=local).',
    { cause },
  );
}
