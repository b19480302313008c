import { CoreV1Api } from '@kubernetes/client-node';
import {
  startTestCluster,
  type TestCluster,
} from '../../test/support/cluster/start-test-cluster.js';

/**
 * The real control plane (and, unless `node: false`, the node agent that runs Jobs' Pods) with
 * a namespace holding what the scheduler's Jobs need: the runner ServiceAccount. The scheduler
 * under test talks through the cluster's proxy (`kubeconfigPath`), which counts its requests.
 */
export async function startBenchCluster(
  namespace: string,
  options: { node?: boolean } = {},
): Promise<TestCluster> {
  const cluster = await startTestCluster({ node: options.node ?? true });
  await cluster.createNamespace(namespace, 'restricted');
  await cluster.admin.makeApiClient(CoreV1Api).createNamespacedServiceAccount({
    namespace,
    body: { metadata: { name: 'quickcd-runner' }, automountServiceAccountToken: false },
  });
  return cluster;
}
