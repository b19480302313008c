import { ApiException, VersionApi } from '@kubernetes/client-node';
import { errorMessage } from '../../common/errors.js';
import { unreachable, type KubeTarget } from './create-kube-config.js';

/**
 * Fails fast with `CLUSTER_UNREACHABLE` (naming the server and how to run embedded) when the
 * cluster's API server does not answer. `GET /version` needs no RBAC permission; an answer of
 * any HTTP status means the cluster is there (permissions are reported by the calls that need
 * them).
 */
export async function checkCluster({ kubeConfig, source }: KubeTarget): Promise<void> {
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no server)';
  try {
    await kubeConfig.makeApiClient(VersionApi).getCode();
  } catch (error) {
    if (error instanceof ApiException) return;
    throw unreachable(
      `cannot reach the Kubernetes cluster at ${server} (from ${source}): ${errorMessage(error)}`,
      error,
    );
  }
}
