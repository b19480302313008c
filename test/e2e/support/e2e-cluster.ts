import { join } from 'node:path';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { clusterBinDir } from '../../support/cluster/cluster-bin-dir.js';
import {
  runTool,
  startTestCluster,
  type CommandResult,
  type TestCluster,
} from '../../support/cluster/start-test-cluster.js';
import { tempDir } from '../../support/fixtures.js';

/** What the end-to-end suite needs of a cluster: the test control plane, or a real one. */
export type E2eCluster = Pick<
  TestCluster,
  'admin' | 'kubeconfigPath' | 'kubectl' | 'helm' | 'createNamespace' | 'stop'
> & {
  /** Scratch directory (values files). */
  readonly dir: string;
  /** The API server's audit log (the test control plane only). */
  readonly auditLog: string | undefined;
  /** True on the test control plane: its Pods are local processes (kill -9 them). */
  readonly local: boolean;
};

/**
 * With QUICKCD_E2E_KUBECONFIG, an existing cluster (its namespaces are created and deleted by
 * the suite; the runner and scheduler image come from QUICKCD_E2E_IMAGE); otherwise the real
 * control plane of the test suite with its node agent.
 */
export async function startE2eCluster(env = process.env): Promise<E2eCluster> {
  const external = env.QUICKCD_E2E_KUBECONFIG;
  if (!external) {
    const cluster = await startTestCluster();
    return {
      ...cluster,
      admin: cluster.admin,
      kubeconfigPath: cluster.kubeconfigPath,
      dir: cluster.controlPlane.dir,
      auditLog: cluster.controlPlane.auditLog,
      local: true,
    };
  }
  const binDir = clusterBinDir();
  const dir = tempDir('quickcd-e2e-');
  const admin = new KubeConfig();
  admin.loadFromFile(external);
  const created: string[] = [];
  const toolEnv = { ...process.env, KUBECONFIG: external, HELM_CACHE_HOME: join(dir, 'helm') };
  const run = (tool: string, args: readonly string[]): Promise<CommandResult> =>
    runTool(join(binDir, tool), args, toolEnv);
  const core = admin.makeApiClient(CoreV1Api);
  return {
    admin,
    kubeconfigPath: external,
    dir,
    auditLog: undefined,
    local: false,
    kubectl: (args) => run('kubectl', args),
    helm: (args) => run('helm', args),
    async createNamespace(name, podSecurity = 'restricted') {
      created.push(name);
      await core.createNamespace({
        body: {
          metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': podSecurity } },
        },
      });
    },
    async stop() {
      for (const name of created)
        await core.deleteNamespace({ name }).catch((e: unknown) => {
          if (!(e instanceof ApiException && e.code === 404)) throw e;
        });
    },
  };
}
