import { RbacAuthorizationV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startClusterWithNode, until, type ClusterWithNode } from './with-node.js';

let c: ClusterWithNode;
const namespace = 'default';
const checkout = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');

const finished = (name: string): Promise<V1Pod> =>
  until(
    () => c.core.readNamespacedPod({ namespace, name }),
    (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    30_000,
  );
const podLog = (name: string): Promise<string> => c.core.readNamespacedPodLog({ namespace, name });

const restricted = {
  runAsNonRoot: true,
  runAsUser: 1000,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

describeCluster('node agent: what a container sees', {}, () => {
  beforeAll(async () => {
    c = await startClusterWithNode();
  }, 120_000);
  afterAll(async () => {
    await c?.stop();
  });

  it('env (value, $(VAR), valueFrom, envFrom, fieldRef, resourceFieldRef) and volumes at their real paths, as a non-root user', async () => {
    await c.core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'settings' }, data: { colour: 'blue', 'app.yaml': 'a: 1\n' } },
    });
    await c.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'creds' }, stringData: { token: 's3cret', other: 'x' } },
    });
    await c.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'env-volumes', labels: { app: 'demo' } },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
          volumes: [
            { name: 'settings', configMap: { name: 'settings' } },
            {
              name: 'creds',
              secret: {
                secretName: 'creds',
                defaultMode: 0o400,
                items: [{ key: 'token', path: 'gh/token' }],
              },
            },
            { name: 'tmp', emptyDir: {} },
            {
              name: 'info',
              downwardAPI: {
                items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }],
              },
            },
          ],
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sh', '-c'],
              args: [
                'echo "colour=$COLOUR token=$TOKEN greeting=$(GREETING) pod=$POD ns=$NS node=$NODE ip=$IP cpu=$CPU from=$CFG_colour uid=$(id -u) groups=$(id -G)";' +
                  'cat /etc/settings/colour; echo; cat /etc/app.yaml; cat /quickcd/secrets/gh/token; echo;' +
                  'stat -c %a /quickcd/secrets/gh/token; cat /etc/podinfo/labels; echo;' +
                  'echo scratch > /tmp/x && cat /tmp/x; touch /etc/nope 2>/dev/null || echo read-only-root;' +
                  'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; hostname',
              ],
              env: [
                { name: 'NAME', value: 'world' },
                { name: 'GREETING', value: 'hello-$(NAME)' },
                {
                  name: 'COLOUR',
                  valueFrom: { configMapKeyRef: { name: 'settings', key: 'colour' } },
                },
                { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
                {
                  name: 'MISSING',
                  valueFrom: { secretKeyRef: { name: 'nope', key: 'x', optional: true } },
                },
                { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
                { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
              ],
              envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }],
              volumeMounts: [
                { name: 'settings', mountPath: '/etc/settings', readOnly: true },
                { name: 'settings', mountPath: '/etc/app.yaml', subPath: 'app.yaml' },
                { name: 'creds', mountPath: '/quickcd/secrets', readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
                { name: 'info', mountPath: '/etc/podinfo' },
              ],
              resources: { limits: { cpu: '1' } },
              securityContext: restricted,
            },
          ],
        },
      },
    });
    const pod = await finished('env-volumes');
    const out = await podLog('env-volumes');
    expect(pod.status?.phase, out).toBe('Succeeded');
    expect(out.split('\n')).toEqual([
      `colour=blue token=s3cret greeting=hello-world pod=env-volumes ns=default node=${c.agent.nodeName} ip=127.0.0.1 cpu=1 from=blue uid=1000 groups=1000`,
      'blue',
      'a: 1',
      's3cret',
      '400',
      'app="demo"',
      'scratch',
      'read-only-root',
      `127.0.0.1:${c.cp.port}`,
      'env-volumes',
      '',
    ]);
  });

  it('in-cluster client-node, kubectl and helm work unchanged with the service-account token (RBAC by a Role)', async () => {
    const rbac = c.kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'get'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: 'read-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
      },
    });
    await c.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'visible' } } });
    const script = [
      "import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';",
      'const kc = new KubeConfig(); kc.loadFromCluster();',
      "const list = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: 'default' });",
      "console.log(list.items.map((i) => i.metadata.name).sort().join(','));",
      "try { await kc.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: 'default' }); } catch (e) { console.log('secrets', e.code); }",
    ].join('\n');
    await c.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'in-cluster' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'client-node',
              image: 'node',
              workingDir: checkout,
              command: ['node', '--input-type=module', '-e', script],
              securityContext: restricted,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
            {
              name: 'kubectl',
              image: 'bitnami/kubectl',
              command: [
                'sh',
                '-c',
                'ls /var/run/secrets/kubernetes.io/serviceaccount; kubectl get configmaps -o name; kubectl auth can-i list secrets || true',
              ],
              env: [{ name: 'HOME', value: '/tmp' }],
              securityContext: restricted,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
            {
              name: 'helm',
              image: 'alpine/helm',
              command: ['sh', '-c', 'helm list --short && echo helm-ok'],
              env: [
                { name: 'HOME', value: '/tmp' },
                { name: 'HELM_DRIVER', value: 'configmap' },
              ],
              securityContext: restricted,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    });
    const pod = await finished('in-cluster');
    const nodeOut = await c.core.readNamespacedPodLog({
      namespace,
      name: 'in-cluster',
      container: 'client-node',
    });
    const kubectlOut = await c.core.readNamespacedPodLog({
      namespace,
      name: 'in-cluster',
      container: 'kubectl',
    });
    expect(pod.status?.phase, nodeOut + kubectlOut).toBe('Succeeded');
    // (other tests of this file add ConfigMaps of their own)
    expect(nodeOut).toMatch(/^kube-root-ca\.crt,(.+,)?visible\nsecrets 403\n$/);
    const helmOut = await c.core.readNamespacedPodLog({
      namespace,
      name: 'in-cluster',
      container: 'helm',
    });
    expect(helmOut).toBe('helm-ok\n');
    expect(kubectlOut).toMatch(
      /^ca\.crt\nnamespace\ntoken\nconfigmap\/kube-root-ca\.crt\n(.*\n)*configmap\/visible\nno\n$/,
    );
  });

  it('a missing Secret keeps the container waiting (CreateContainerConfigError) until it exists', async () => {
    await c.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'needs-secret' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sh', '-c', 'echo got $V'],
              env: [{ name: 'V', valueFrom: { secretKeyRef: { name: 'later', key: 'v' } } }],
            },
          ],
        },
      },
    });
    const waiting = await until(
      () => c.core.readNamespacedPod({ namespace, name: 'needs-secret' }),
      (p) =>
        p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError',
    );
    expect(waiting.status?.phase).toBe('Pending');
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(
      'secret "later" not found',
    );
    const logs = await c.kubectl('logs', 'needs-secret').catch((e: { stderr?: string }) => e);
    expect(logs.stderr).toMatch(
      /container "main" in pod "needs-secret" is waiting to start: CreateContainerConfigError/,
    );
    await c.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'later' }, stringData: { v: 'it' } },
    });
    const pod = await finished('needs-secret');
    expect(pod.status?.phase).toBe('Succeeded');
    expect(await podLog('needs-secret')).toBe('got it\n');
  });

  it('no command and a foreign image: StartError saying images are not pulled; quickcd images run this checkout', async () => {
    await c.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'images' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            { name: 'nginx', image: 'nginx:1.27' },
            {
              name: 'quickcd',
              image: 'ghcr.io/example/quickcd:base',
              args: ['--version'],
              securityContext: restricted,
            },
          ],
        },
      },
    });
    const pod = await finished('images');
    const byName = Object.fromEntries(
      (pod.status?.containerStatuses ?? []).map((s) => [s.name, s.state?.terminated]),
    );
    expect(byName.nginx?.reason).toBe('StartError');
    expect(byName.nginx?.message).toMatch(/does not pull images/);
    expect(byName.quickcd).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(
      await c.core.readNamespacedPodLog({ namespace, name: 'images', container: 'quickcd' }),
    ).toBe('0.1.0\n');
    expect(pod.status?.phase).toBe('Failed');
  });

  it('init containers run first, in order; FallbackToLogsOnError puts the log tail in the message', async () => {
    await c.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'with-init' },
        spec: {
          restartPolicy: 'Never',
          volumes: [{ name: 'work', emptyDir: {} }],
          initContainers: [
            {
              name: 'one',
              image: 'busybox',
              command: ['sh', '-c', 'echo one >> /work/order'],
              volumeMounts: [{ name: 'work', mountPath: '/work' }],
            },
            {
              name: 'two',
              image: 'busybox',
              command: ['sh', '-c', 'echo two >> /work/order'],
              volumeMounts: [{ name: 'work', mountPath: '/work' }],
            },
          ],
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['sh', '-c', 'cat /work/order; echo bad thing >&2; exit 2'],
              terminationMessagePolicy: 'FallbackToLogsOnError',
              volumeMounts: [{ name: 'work', mountPath: '/work' }],
            },
          ],
        },
      },
    });
    const pod = await finished('with-init');
    expect(pod.status?.initContainerStatuses?.map((s) => s.state?.terminated?.reason)).toEqual([
      'Completed',
      'Completed',
    ]);
    expect(pod.status?.conditions?.find((x) => x.type === 'Initialized')?.status).toBe('True');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 2,
      reason: 'Error',
      message: 'one\ntwo\nbad thing\n',
    });
    expect(pod.status?.phase).toBe('Failed');
  });

  it('a Pod whose nodeSelector does not match the node stays unscheduled, as with kube-scheduler', async () => {
    await c.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'elsewhere' },
        spec: {
          nodeSelector: { 'example.com/pool': 'gpu' },
          containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
        },
      },
    });
    await until(
      async () => c.logs.join('\n'),
      (l) => l.includes('pod default/elsewhere not bound'),
    );
    const pod = await c.core.readNamespacedPod({ namespace, name: 'elsewhere' });
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.status?.phase).toBe('Pending');
  });
});
