import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  RbacAuthorizationV1Api,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join, parse } from 'node:path';

let cluster: TestCluster;
const ns = 'cp-test';

const statusOf = async (p: Promise<unknown>): Promise<number> =>
  p.then(
    () => 200,
    (e: unknown) => (e instanceof ApiException ? e.code : -1),
  );

describeCluster('the real control plane', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(ns);
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('is the pinned Kubernetes, and kubectl of the same minor talks to it', async () => {
    const versions = await readFile(new URL('../../cluster/versions.env', import.meta.url), 'utf8');
    const pinned = /^KUBERNETES_VERSION=(\S+)/m.exec(versions)?.[1];
    const out = await cluster.kubectl(['version', '-o', 'json']);
    expect(out.code, out.stderr).toBe(0);
    const v = JSON.parse(out.stdout) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(v.serverVersion.gitVersion).toBe(pinned);
    expect(v.clientVersion.gitVersion).toBe(pinned);
    expect(parse(cluster.binDir).dir).not.toContain(process.cwd());
  });

  it('enforces RBAC for service-account tokens', async () => {
    const core = cluster.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({
      namespace: ns,
      body: { metadata: { name: 'reader' } },
    });
    const { status } = await core.createNamespacedServiceAccountToken({
      namespace: ns,
      name: 'reader',
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        { name: 'c', server: cluster.server, caData: cluster.admin.getCurrentCluster()?.caData },
      ],
      users: [{ name: 'reader', token: status?.token }],
      contexts: [{ name: 'c', cluster: 'c', user: 'reader' }],
      currentContext: 'c',
    });
    const asReader = kc.makeApiClient(CoreV1Api);
    expect(await statusOf(asReader.listNamespacedConfigMap({ namespace: ns }))).toBe(403);
    const rbac = cluster.admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns }],
      },
    });
    await expect
      .poll(() => statusOf(asReader.listNamespacedConfigMap({ namespace: ns })))
      .toBe(200);
    expect(await statusOf(asReader.listNamespacedSecret({ namespace: ns }))).toBe(403);
    // The admin's impersonation passes through the proxy: kubectl --as works.
    const asSa = `system:serviceaccount:${ns}:reader`;
    const canList = await cluster.kubectl([
      'auth',
      'can-i',
      'list',
      'configmaps',
      '-n',
      ns,
      '--as',
      asSa,
    ]);
    expect(canList.stdout.trim()).toBe('yes');
    const canSecrets = await cluster.kubectl([
      'auth',
      'can-i',
      'list',
      'secrets',
      '-n',
      ns,
      '--as',
      asSa,
    ]);
    expect(canSecrets.stdout.trim()).toBe('no');
  });

  it('enforces PodSecurity restricted on the namespace', async () => {
    const core = cluster.admin.makeApiClient(CoreV1Api);
    const error = await core
      .createNamespacedPod({
        namespace: ns,
        body: {
          metadata: { name: 'unrestricted' },
          spec: { containers: [{ name: 'c', image: 'x' }] },
        },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect((error as ApiException<string>).code).toBe(403);
    const { message } = JSON.parse((error as ApiException<string>).body) as { message: string };
    expect(message).toContain('violates PodSecurity "restricted:latest"');
  });

  it('has the semantics the home-made server lacked', async () => {
    const core = cluster.admin.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'frozen' }, immutable: true, data: { a: '1' } },
    });
    expect(
      await statusOf(
        core.replaceNamespacedConfigMap({
          namespace: ns,
          name: 'frozen',
          body: { metadata: { name: 'frozen' }, immutable: true, data: { a: '2' } },
        }),
      ),
    ).toBe(422);
    expect(
      await statusOf(
        core.createNamespacedConfigMap({
          namespace: ns,
          body: {
            metadata: {
              name: 'orphan',
              ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'frozen', uid: '' }],
            },
          },
        }),
      ),
    ).toBe(422);
    for (let i = 0; i < 5; i++)
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: `page-${i}` } },
      });
    const first = await core.listNamespacedConfigMap({ namespace: ns, limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.metadata?._continue).toBeTruthy();
    const manifest = join(cluster.controlPlane.dir, 'strict.json');
    await writeFile(
      manifest,
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 's' }, nonsense: 1 }),
    );
    const strict = await cluster.kubectl([
      'create',
      '--dry-run=server',
      '--validate=strict',
      '-n',
      ns,
      '-f',
      manifest,
    ]);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('unknown field "nonsense"');
  });

  it('injects faults in front of the real server and forwards everything else', async () => {
    const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
    const fault = cluster.fault({
      kind: 'status',
      status: 503,
      path: '/configmaps/page-0',
      times: 1,
    });
    expect(await statusOf(core.readNamespacedConfigMap({ namespace: ns, name: 'page-0' }))).toBe(
      503,
    );
    expect(await statusOf(core.readNamespacedConfigMap({ namespace: ns, name: 'page-0' }))).toBe(
      200,
    );
    fault.remove();
    cluster.fault({ kind: 'conflict', path: '/configmaps/page-1' });
    const cm = await core.readNamespacedConfigMap({ namespace: ns, name: 'page-1' });
    expect(
      await statusOf(core.replaceNamespacedConfigMap({ namespace: ns, name: 'page-1', body: cm })),
    ).toBe(409);
    expect(
      await statusOf(core.replaceNamespacedConfigMap({ namespace: ns, name: 'page-1', body: cm })),
    ).toBe(200);
    cluster.fault({
      kind: 'status',
      status: 429,
      retryAfterSeconds: 7,
      path: '/secrets',
      times: 1,
    });
    const limited = (await core
      .listNamespacedSecret({ namespace: ns })
      .catch((e: unknown) => e)) as ApiException<string>;
    expect(limited.code).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(await statusOf(core.listNamespacedSecret({ namespace: ns }))).toBe(200);
    expect(cluster.proxy.requests.some((r) => r.injected && r.status === 503)).toBe(true);
  });

  it('drops and expires watches', async () => {
    const watch = new Watch(cluster.kubeConfig());
    const ended: unknown[] = [];
    const events: string[] = [];
    await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      {},
      (type: string) => events.push(type),
      (err: unknown) => ended.push(err ?? 'closed'),
    );
    await expect.poll(() => events.length).toBeGreaterThan(0);
    expect(cluster.dropWatches()).toBeGreaterThan(0);
    await expect.poll(() => ended.length).toBe(1);

    cluster.fault({ kind: 'expire-watch', path: '/configmaps', times: 1 });
    const expired: unknown[] = [];
    await watch.watch(
      `/api/v1/namespaces/${ns}/configmaps`,
      { resourceVersion: '1' },
      (type: string, obj: { code?: number }) => expired.push([type, obj.code]),
      () => undefined,
    );
    await expect.poll(() => expired).toEqual([['ERROR', 410]]);
  });
});
