import { RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startClusterWithNode, until, type ClusterWithNode } from './with-node.js';

// The fallback for machines where bubblewrap cannot make mount namespaces: forced here.
let c: ClusterWithNode;
const namespace = 'default';

describeCluster('node agent in remap mode (no namespaces)', {}, () => {
  beforeAll(async () => {
    c = await startClusterWithNode({ sandbox: 'remap' });
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('says so loudly and still runs a Job: paths rewritten, termination message, in-cluster kubectl through KUBECONFIG', async () => {
    expect(c.agent.sandbox).toBe('remap');
    expect(c.logs.join('\n')).toMatch(/REMAP mode/);
    const rbac = c.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'read' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
      },
    });
    await c.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'conf' }, data: { greeting: 'hi' } },
    });
    await c.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'remapped' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              volumes: [{ name: 'conf', configMap: { name: 'conf' } }],
              containers: [
                {
                  name: 'main',
                  image: 'busybox',
                  command: [
                    'sh',
                    '-c',
                    'cat /etc/conf/greeting; echo; kubectl get configmap conf -o name; echo done > /dev/termination-log; exit 4',
                  ],
                  env: [{ name: 'HOME', value: '/tmp' }],
                  volumeMounts: [{ name: 'conf', mountPath: '/etc/conf' }],
                },
              ],
            },
          },
        },
      },
    });
    const pod = await until(
      async (): Promise<V1Pod | undefined> =>
        (await c.core.listNamespacedPod({ namespace, labelSelector: 'job-name=remapped' }))
          .items[0],
      (p) => p?.status?.phase === 'Failed',
      30_000,
    );
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 4,
      message: 'done\n',
    });
    expect((await c.kubectl('logs', 'job/remapped')).stdout).toBe('hi\nconfigmap/conf\n');
  });
});
