import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  V1MicroTime,
  setHeaderOptions,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeServer, type KubeTestServer } from '../../support/kube-server/index.js';
import { eventually, failureStatus } from './helpers.js';

let server: KubeTestServer;
let core: CoreV1Api;
const namespace = 'crud';

beforeAll(async () => {
  server = await startKubeServer({ namespace, controllers: false });
  core = server.kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(async () => server.close());

const cm = (
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = { a: '1' },
): V1ConfigMap => ({
  metadata: { name, labels },
  data,
});

describe('CRUD and Status errors', () => {
  it('creates, reads, replaces and deletes with increasing resourceVersions', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: cm('one') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    const read = await core.readNamespacedConfigMap({ namespace, name: 'one' });
    expect(read.data).toEqual({ a: '1' });
    read.data = { a: '2' };
    const replaced = await core.replaceNamespacedConfigMap({ namespace, name: 'one', body: read });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );
    expect(server.get('configmaps', namespace, 'one')).toMatchObject({ data: { a: '2' } });
    await core.deleteNamespacedConfigMap({ namespace, name: 'one' });
    expect(server.get('configmaps', namespace, 'one')).toBeUndefined();
  });

  it('answers a stale resourceVersion with 409 Conflict', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: cm('stale') });
    await core.replaceNamespacedConfigMap({
      namespace,
      name: 'stale',
      body: { ...created, data: { a: 'new' } },
    });
    const status = await failureStatus(
      core.replaceNamespacedConfigMap({
        namespace,
        name: 'stale',
        body: { ...created, data: { a: 'lost' } },
      }),
    );
    expect(status).toMatchObject({
      code: 409,
      reason: 'Conflict',
      details: { name: 'stale', kind: 'configmaps' },
    });
    expect(status.message).toBe(
      'Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again',
    );
    expect(server.get('configmaps', namespace, 'stale')).toMatchObject({ data: { a: 'new' } });
  });

  it('answers a duplicate create with 409 AlreadyExists and a missing object with 404 NotFound', async () => {
    await core.createNamespacedConfigMap({ namespace, body: cm('dup') });
    const dup = await failureStatus(core.createNamespacedConfigMap({ namespace, body: cm('dup') }));
    expect(dup).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'configmaps "dup" already exists',
    });
    const missing = await failureStatus(core.readNamespacedConfigMap({ namespace, name: 'nope' }));
    expect(missing).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'configmaps "nope" not found',
      details: { name: 'nope', kind: 'configmaps' },
    });
  });

  it('supports generateName and Secret stringData', async () => {
    const created = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { generateName: 'gen-' } },
    });
    expect(created.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const secret = await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 's' }, stringData: { token: 'abc' } },
    });
    expect(secret.data).toEqual({ token: Buffer.from('abc').toString('base64') });
    expect(secret.stringData).toBeUndefined();
  });
});

describe('selectors', () => {
  beforeAll(async () => {
    await core.createNamespacedConfigMap({
      namespace,
      body: cm('sel-a', { app: 'q', tier: 'web' }),
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: cm('sel-b', { app: 'q', tier: 'db' }),
    });
    await core.createNamespacedConfigMap({ namespace, body: cm('sel-c', { app: 'other' }) });
  });
  const names = async (labelSelector: string, fieldSelector?: string): Promise<string[]> => {
    const list = await core.listNamespacedConfigMap({
      namespace,
      labelSelector,
      ...(fieldSelector ? { fieldSelector } : {}),
    });
    return list.items.map((i) => i.metadata?.name ?? '').filter((n) => n.startsWith('sel-'));
  };

  it('filters with =, ==, !=, in, notin, exists and !exists', async () => {
    expect(await names('app=q')).toEqual(['sel-a', 'sel-b']);
    expect(await names('app==q,tier!=db')).toEqual(['sel-a']);
    expect(await names('tier in (db, web)')).toEqual(['sel-a', 'sel-b']);
    expect(await names('app notin (q)')).toEqual(['sel-c']);
    expect(await names('tier')).toEqual(['sel-a', 'sel-b']);
    expect(await names('!tier')).toEqual(['sel-c']);
    expect(await names('app=q', 'metadata.name=sel-b')).toEqual(['sel-b']);
  });

  it('rejects a malformed selector with 400', async () => {
    const status = await failureStatus(
      core.listNamespacedConfigMap({ namespace, labelSelector: 'app in (a' }),
    );
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest' });
  });

  it('deletes a collection by selector', async () => {
    await core.createNamespacedConfigMap({ namespace, body: cm('col-1', { batch: 'x' }) });
    await core.createNamespacedConfigMap({ namespace, body: cm('col-2', { batch: 'x' }) });
    await core.deleteCollectionNamespacedConfigMap({ namespace, labelSelector: 'batch=x' });
    expect(
      server.list('configmaps', namespace).filter((o) => o.metadata.labels?.batch === 'x'),
    ).toEqual([]);
    expect(server.get('configmaps', namespace, 'sel-a')).toBeDefined();
  });
});

describe('patches', () => {
  it('applies a JSON patch (client-node default content type)', async () => {
    await core.createNamespacedConfigMap({ namespace, body: cm('jp', {}, { a: '1', b: '2' }) });
    const patched = await core.patchNamespacedConfigMap({
      namespace,
      name: 'jp',
      body: [
        { op: 'replace', path: '/data/a', value: 'x' },
        { op: 'remove', path: '/data/b' },
      ],
    });
    expect(patched.data).toEqual({ a: 'x' });
  });

  it('applies merge and strategic merge patches, null deleting keys', async () => {
    await core.createNamespacedConfigMap({
      namespace,
      body: cm('mp', { keep: 'y', drop: 'y' }, { a: '1', b: '2' }),
    });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const merged = await core.patchNamespacedConfigMap(
      {
        namespace,
        name: 'mp',
        body: { metadata: { labels: { drop: null, add: 'z' } }, data: { b: null, c: '3' } },
      },
      merge,
    );
    expect(merged.metadata?.labels).toEqual({ keep: 'y', add: 'z' });
    expect(merged.data).toEqual({ a: '1', c: '3' });
    const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
    const s = await core.patchNamespacedConfigMap(
      {
        namespace,
        name: 'mp',
        body: { metadata: { annotations: { note: 'n' } }, data: { a: null } },
      },
      strategic,
    );
    expect(s.metadata?.annotations).toEqual({ note: 'n' });
    expect(s.data).toEqual({ c: '3' });
  });

  it('treats a resourceVersion in a patch as a precondition', async () => {
    const created = await core.createNamespacedConfigMap({ namespace, body: cm('prec') });
    await core.replaceNamespacedConfigMap({
      namespace,
      name: 'prec',
      body: { ...created, data: { a: '2' } },
    });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    const status = await failureStatus(
      core.patchNamespacedConfigMap(
        {
          namespace,
          name: 'prec',
          body: {
            metadata: { resourceVersion: created.metadata?.resourceVersion },
            data: { a: '3' },
          },
        },
        merge,
      ),
    );
    expect(status.reason).toBe('Conflict');
  });

  it('rejects an object body sent as a JSON patch with 400, as a real server does', async () => {
    await core.createNamespacedConfigMap({ namespace, body: cm('jp-bad') });
    const status = await failureStatus(
      core.patchNamespacedConfigMap({ namespace, name: 'jp-bad', body: { data: { a: '2' } } }),
    );
    expect(status.code).toBe(400);
  });
});

describe('validation', () => {
  it('rejects a bad name with 422 Invalid and field causes', async () => {
    const status = await failureStatus(
      core.createNamespacedConfigMap({ namespace, body: cm('Bad_Name') }),
    );
    expect(status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      details: { name: 'Bad_Name', kind: 'ConfigMap' },
    });
    expect(status.details?.causes?.[0]).toMatchObject({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
    });
  });

  it('rejects a 64-character label value', async () => {
    const status = await failureStatus(
      core.createNamespacedConfigMap({ namespace, body: cm('long-label', { k: 'v'.repeat(64) }) }),
    );
    expect(status.code).toBe(422);
    expect(status.message).toContain('must be no more than 63 characters');
    expect(status.details?.causes?.[0]?.field).toBe('metadata.labels');
  });

  it('rejects a ConfigMap over 1 MiB with 422 and a body over 3 MiB with 413', async () => {
    const big = await failureStatus(
      core.createNamespacedConfigMap({
        namespace,
        body: cm('big', {}, { a: 'x'.repeat(1024 * 1024) }),
      }),
    );
    expect(big.code).toBe(422);
    expect(big.message).toContain('Too long: must have at most 1048576 bytes');
    const huge = await failureStatus(
      core.createNamespacedConfigMap({
        namespace,
        body: cm('huge', {}, { a: 'x'.repeat(3 * 1024 * 1024 + 1) }),
      }),
    );
    expect(huge.code).toBe(413);
    expect(server.get('configmaps', namespace, 'big')).toBeUndefined();
  });

  it('rejects a lease renewTime without microseconds (a plain Date) and accepts V1MicroTime', async () => {
    const leases = server.kubeConfig().makeApiClient(CoordinationV1Api);
    const bad = await failureStatus(
      leases.createNamespacedLease({
        namespace,
        body: { metadata: { name: 'l' }, spec: { holderIdentity: 'a', renewTime: new Date() } },
      }),
    );
    expect(bad.code).toBe(400);
    const ok = await leases.createNamespacedLease({
      namespace,
      body: {
        metadata: { name: 'l' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15, renewTime: new V1MicroTime() },
      },
    });
    const status = await failureStatus(
      leases.replaceNamespacedLease({
        namespace,
        name: 'l',
        body: { ...ok, metadata: { ...ok.metadata, resourceVersion: '1' } },
      }),
    );
    expect(status.reason).toBe('Conflict');
  });
});

describe('ownerReference cascade', () => {
  it('deletes dependents in the background and leaves them on Orphan', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace, body: cm('owner') });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: owner.metadata?.uid ?? '',
    };
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'dependent', ownerReferences: [ref] } },
    });
    await core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'dep-secret', ownerReferences: [ref] } },
    });
    await core.deleteNamespacedConfigMap({ namespace, name: 'owner' });
    await eventually(() =>
      server.get('configmaps', namespace, 'dependent') ||
      server.get('secrets', namespace, 'dep-secret')
        ? undefined
        : true,
    );

    const owner2 = await core.createNamespacedConfigMap({ namespace, body: cm('owner2') });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'orphan',
          ownerReferences: [{ ...ref, name: 'owner2', uid: owner2.metadata?.uid ?? '' }],
        },
      },
    });
    await core.deleteNamespacedConfigMap({
      namespace,
      name: 'owner2',
      propagationPolicy: 'Orphan',
    });
    await eventually(() =>
      server.get('configmaps', namespace, 'orphan')?.metadata.ownerReferences === undefined
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(server.get('configmaps', namespace, 'orphan')).toBeDefined();
  });
});

describe('faults', () => {
  it('injects status, conflict and delay faults and records requests', async () => {
    const f = server.fault({ kind: 'status', status: 503, path: '/configmaps/faulty', times: 1 });
    expect(
      (await failureStatus(core.readNamespacedConfigMap({ namespace, name: 'faulty' }))).code,
    ).toBe(503);
    expect(
      (await failureStatus(core.readNamespacedConfigMap({ namespace, name: 'faulty' }))).code,
    ).toBe(404);
    f.remove();
    const created = await core.createNamespacedConfigMap({ namespace, body: cm('conflicted') });
    server.fault({ kind: 'conflict', path: /conflicted$/ });
    expect(
      (
        await failureStatus(
          core.replaceNamespacedConfigMap({ namespace, name: 'conflicted', body: created }),
        )
      ).reason,
    ).toBe('Conflict');
    await core.replaceNamespacedConfigMap({ namespace, name: 'conflicted', body: created });
    const slow = server.fault({
      kind: 'delay',
      ms: 300,
      method: 'GET',
      path: '/configmaps/conflicted',
    });
    const t0 = Date.now();
    await core.readNamespacedConfigMap({ namespace, name: 'conflicted' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    slow.remove();
    expect(
      server.requests.filter((r) => r.path.endsWith('/configmaps/faulty')).map((r) => r.status),
    ).toEqual([503, 404]);
  });
});
