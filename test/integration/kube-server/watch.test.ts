import {
  CoreV1Api,
  Watch,
  makeInformer,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeServer, type KubeTestServer } from '../../support/kube-server/index.js';
import { eventually } from './helpers.js';

let server: KubeTestServer;
let core: CoreV1Api;
const namespace = 'watched';
const path = `/api/v1/namespaces/${namespace}/configmaps`;

beforeAll(async () => {
  server = await startKubeServer({
    namespace,
    controllers: false,
    watchHistorySize: 20,
    bookmarkIntervalMs: 100,
  });
  core = server.kubeConfig().makeApiClient(CoreV1Api);
});
afterAll(async () => server.close());

interface Seen {
  type: string;
  object: KubernetesObject & { code?: number };
}

async function collect(
  query: Record<string, string | boolean>,
): Promise<{ events: Seen[]; done: Promise<unknown>; abort: () => void }> {
  const events: Seen[] = [];
  let finish: (err: unknown) => void = () => undefined;
  const done = new Promise((resolve) => (finish = resolve));
  const controller = await new Watch(server.kubeConfig()).watch(
    path,
    query,
    (type, object: Seen['object']) => events.push({ type, object }),
    (err) => finish(err),
  );
  return { events, done, abort: () => controller.abort() };
}

describe('watch', () => {
  it('resumes after a resourceVersion and reports selector transitions', async () => {
    const first = await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'w1', labels: { app: 'w' } } },
    });
    const w = await collect({
      resourceVersion: first.metadata?.resourceVersion ?? '',
      labelSelector: 'app=w',
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'w2', labels: { app: 'w' } } },
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'other', labels: { app: 'x' } } },
    });
    await core.replaceNamespacedConfigMap({
      namespace,
      name: 'w2',
      body: { metadata: { name: 'w2', labels: { app: 'gone' } } },
    });
    await core.deleteNamespacedConfigMap({ namespace, name: 'w1' });
    await eventually(() => (w.events.length >= 3 ? true : undefined));
    w.abort();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual([
      'ADDED w2',
      'DELETED w2',
      'DELETED w1',
    ]);
  });

  it('starts with ADDED events for existing objects without a resourceVersion and sends bookmarks', async () => {
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'bm', labels: { app: 'bm' } } },
    });
    const w = await collect({ labelSelector: 'app=bm', allowWatchBookmarks: true });
    await eventually(() => (w.events.some((e) => e.type === 'BOOKMARK') ? true : undefined));
    w.abort();
    expect(w.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'bm' } } });
    const bookmark = w.events.find((e) => e.type === 'BOOKMARK');
    expect(Number(bookmark?.object.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it('sends an ERROR event with 410 Gone for a compacted resourceVersion, then ends', async () => {
    for (let i = 0; i < 25; i++)
      await core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `fill-${i}` } },
      });
    const w = await collect({ resourceVersion: '1' });
    await w.done;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired' },
    });
  });

  it('ends at timeoutSeconds', async () => {
    const w = await collect({ timeoutSeconds: '1', labelSelector: 'none=here' });
    const t0 = Date.now();
    expect(await w.done).toBeNull();
    expect(Date.now() - t0).toBeGreaterThan(500);
  });
});

describe('informer', () => {
  it('lists, watches with a label selector and recovers from dropped watches', async () => {
    const listFn = () => core.listNamespacedConfigMap({ namespace, labelSelector: 'informed=yes' });
    const informer = makeInformer<V1ConfigMap>(server.kubeConfig(), path, listFn, 'informed=yes');
    const added: string[] = [];
    const deleted: string[] = [];
    informer.on('add', (o) => added.push(o.metadata?.name ?? ''));
    informer.on('update', (o) => added.push(`updated ${o.metadata?.name ?? ''}`));
    informer.on('delete', (o) => deleted.push(o.metadata?.name ?? ''));
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'inf-1', labels: { informed: 'yes' } } },
    });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'inf-ignored', labels: { informed: 'no' } } },
    });
    await informer.start();
    await eventually(() => (added.includes('inf-1') ? true : undefined));
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'inf-2', labels: { informed: 'yes' } } },
    });
    await eventually(() => (added.includes('inf-2') ? true : undefined));
    const watchesBefore = server.requests.filter(
      (r) => r.path === path && r.query.includes('watch=true'),
    ).length;
    server.fault({ kind: 'drop-watches' });
    await eventually(() =>
      server.requests.filter((r) => r.path === path && r.query.includes('watch=true')).length >
      watchesBefore
        ? true
        : undefined,
    );
    await core.deleteNamespacedConfigMap({ namespace, name: 'inf-1' });
    await eventually(() => (deleted.includes('inf-1') ? true : undefined));
    await informer.stop();
    expect(added).not.toContain('inf-ignored');
    expect(deleted).toEqual(['inf-1']);
    expect(added).toEqual(['inf-1', 'inf-2']);
  });
});
