import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { createConfigMapStore } from '../../../scheduler/kubernetes/configmap-store.js';
import type { EventStore, StoredEvent } from '../../../scheduler/ports/event-store.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';

const namespace = 'quickcd';
let cluster: TestCluster;
let store: EventStore;

/** A ConfigMap read straight from the API server. */
const configMap = (ns: string, name: string) =>
  cluster.get<V1ConfigMap>('v1', 'ConfigMap', ns, name);

function stored(
  id: string,
  repo = 'acme/webapp',
  overrides: Partial<StoredEvent> = {},
  payload: Record<string, unknown> = pushPayload('refs/heads/main'),
): StoredEvent {
  const event = parseEvent(makeEvent('PushEvent', payload, { id, repo }));
  return {
    repo,
    id,
    type: event.type,
    event,
    status: 'pending',
    lanes: {},
    handlers: {},
    storedAt: '2026-11-20T09:00:05.000Z',
    late: false,
    ...overrides,
  };
}

describeCluster('ConfigMap event store on the real API server', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace);
    await cluster.createNamespace('quickcd-list');
    store = createConfigMapStore({
      kubeConfig: cluster.kubeConfig(),
      namespace,
      log: pino({ level: 'silent' }),
    });
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('putEvent creates the ConfigMap once; storing it again changes nothing', async () => {
    const event = stored('45000000001');
    expect(await store.putEvent(event)).toBe(true);
    const cm = await configMap(namespace, 'quickcd-acme-webapp-45000000001');
    expect(cm?.metadata?.labels).toMatchObject({
      'quickcd.dev/kind': 'event',
      'quickcd.dev/status': 'pending',
      'quickcd.dev/event-id': '45000000001',
    });
    expect(await store.putEvent({ ...event, status: 'failed' })).toBe(false);
    expect(await store.getEvent('45000000001', 'acme/webapp')).toEqual(event);
    expect(await store.getEvent('45000000001')).toEqual(event);
    expect(await store.getEvent('1', 'acme/webapp')).toBeUndefined();
    expect(await store.getEvent('1')).toBeUndefined();
  });

  it('updateEvent re-reads and retries after a 409 Conflict', async () => {
    await store.putEvent(stored('45000000002'));
    cluster.fault({ kind: 'conflict', path: 'quickcd-acme-webapp-45000000002', times: 2 });
    let calls = 0;
    const updated = await store.updateEvent('acme/webapp', '45000000002', (e) => {
      calls += 1;
      return {
        ...e,
        status: 'running',
        lanes: { blocking: { status: 'running', attempts: e.lanes.blocking?.attempts ?? 1 } },
      };
    });
    expect(calls).toBe(3);
    expect(updated.status).toBe('running');
    const cm = await configMap(namespace, 'quickcd-acme-webapp-45000000002');
    expect(cm?.metadata?.labels?.['quickcd.dev/status']).toBe('running');
    expect(cm?.metadata?.annotations?.['quickcd.dev/attempts']).toBe('1');
    const puts = cluster.proxy.requests.filter(
      (r) =>
        r.method === 'PUT' && r.path.split('?')[0]?.endsWith('/quickcd-acme-webapp-45000000002'),
    );
    expect(puts.map((r) => r.status)).toEqual([409, 409, 200]);
  });

  it('gives up on endless conflicts with a KUBERNETES_FAILED error naming the ConfigMap', async () => {
    await store.putEvent(stored('45000000003'));
    const fault = cluster.fault({
      kind: 'conflict',
      path: 'quickcd-acme-webapp-45000000003',
      times: 100,
    });
    const skip = (e: StoredEvent): StoredEvent => ({ ...e, status: 'skipped' });
    await expect(store.updateEvent('acme/webapp', '45000000003', skip)).rejects.toMatchObject({
      code: 'KUBERNETES_FAILED',
      context: { name: 'quickcd-acme-webapp-45000000003', namespace, status: 409 },
    });
    fault.remove();
  });

  it('updateEvent of an unknown event is EVENT_NOT_FOUND', async () => {
    await expect(store.updateEvent('acme/webapp', '7', (e) => e)).rejects.toMatchObject({
      code: 'EVENT_NOT_FOUND',
    });
  });

  it('lists by repo and status, oldest first by numeric id', async () => {
    // Its own namespace, so the events of the other tests do not show up.
    const own = createConfigMapStore({
      kubeConfig: cluster.kubeConfig(),
      namespace: 'quickcd-list',
      log: pino({ level: 'silent' }),
    });
    for (const [id, repo, status] of [
      ['10', 'acme/list', 'pending'],
      ['9', 'acme/list', 'handled'],
      ['100', 'acme/list', 'failed'],
      ['11', 'other/list', 'pending'],
    ] as const) {
      await own.putEvent(stored(id, repo, { status }));
    }
    const ids = (events: StoredEvent[]) => events.map((e) => e.id);
    expect(ids(await own.listEvents())).toEqual(['9', '10', '11', '100']);
    expect(ids(await own.listEvents({ repo: 'acme/list' }))).toEqual(['9', '10', '100']);
    expect(ids(await own.listEvents({ repo: 'acme/list', status: ['pending', 'failed'] }))).toEqual(
      ['10', '100'],
    );
    expect(ids(await own.listEvents({ status: ['pending'] }))).toEqual(['10', '11']);
    expect(await own.listEvents({ status: [] })).toEqual([]);
    const list = cluster.proxy.requests.filter(
      (r) => r.method === 'GET' && r.path.split('?')[0]?.endsWith('/configmaps'),
    );
    expect(decodeURIComponent(list.at(-1)?.path.split('?')[1] ?? '').replace(/\+/g, ' ')).toContain(
      'quickcd.dev/kind=event,quickcd.dev/status in (pending)',
    );
    const scanned: string[] = [];
    await own.scanEvents!({ repo: 'acme/list', status: ['handled', 'failed'] }, (e) =>
      scanned.push(e.id),
    );
    expect(scanned.sort()).toEqual(['100', '9']);
    // Retention's scan: the states alone, from a list of the ConfigMaps' metadata (no payloads).
    const states: unknown[] = [];
    await own.scanEventStates!({ repo: 'acme/list', status: ['handled', 'failed'] }, (s) =>
      states.push(s),
    );
    const storedAt = '2026-11-20T09:00:05.000Z';
    expect(states.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { repo: 'acme/list', id: '100', status: 'failed', storedAt },
      { repo: 'acme/list', id: '9', status: 'handled', storedAt },
    ]);
    const metadataList = cluster.proxy.requests.filter(
      (r) => r.method === 'GET' && r.path.split('?')[0]?.endsWith('/configmaps'),
    );
    expect(metadataList.at(-1)?.accept).toContain('as=PartialObjectMetadataList');
    // Nothing matching: the API server answers `items: null` to a metadata-only list.
    const none: unknown[] = [];
    await own.scanEventStates!({ repo: 'nobody/here' }, (s) => none.push(s));
    expect(none).toEqual([]);
  });

  it('deletes an event (idempotently)', async () => {
    await store.putEvent(stored('45000000004'));
    await store.deleteEvent('acme/webapp', '45000000004');
    expect(await configMap(namespace, 'quickcd-acme-webapp-45000000004')).toBeUndefined();
    await store.deleteEvent('acme/webapp', '45000000004');
  });

  it('round-trips the cursor (create, then replace)', async () => {
    expect(await store.getCursor('acme/webapp')).toBeUndefined();
    const cursor = { pageEtags: {}, seen: ['9', '10'], lastEventId: '10', etag: 'W/"1"' };
    await store.putCursor('acme/webapp', cursor);
    expect(await store.getCursor('acme/webapp')).toEqual(cursor);
    const next = { ...cursor, seen: ['11', '10', '9'], lastEventId: '11' };
    await store.putCursor('acme/webapp', next);
    expect(await store.getCursor('acme/webapp')).toEqual(next);
    const cm = await configMap(namespace, 'quickcd-acme-webapp-cursor');
    expect(cm?.metadata?.labels?.['quickcd.dev/kind']).toBe('cursor');
    expect(cm?.data).toEqual({ 'cursor.json': JSON.stringify(next) });
  });

  it('stores an event over 1 MiB gzip-compressed, and reads it back whole', async () => {
    const big = stored('45000000005', 'acme/webapp', {}, { blob: 'abc'.repeat(700_000) });
    expect(await store.putEvent(big)).toBe(true);
    const cm = await configMap(namespace, 'quickcd-acme-webapp-45000000005');
    expect(Object.keys(cm?.binaryData ?? {})).toEqual(['event.json.gz']);
    expect(await store.getEvent('45000000005', 'acme/webapp')).toEqual(big);
  });

  it('records a huge incompressible event as failed with the problem, instead of losing it', async () => {
    const huge = stored(
      '45000000006',
      'acme/webapp',
      {},
      { blob: randomBytes(1_200_000).toString('base64') },
    );
    expect(await store.putEvent(huge)).toBe(true);
    const back = await store.getEvent('45000000006', 'acme/webapp');
    expect(back?.status).toBe('failed');
    expect(back?.problem).toMatch(
      /too large to store: \d+ bytes of JSON .* limit of 1048576 bytes/,
    );
    expect(back?.event.payload).toEqual({});
    expect(back?.event.actor.login).toBe('mona');
    expect((await store.listEvents({ status: ['failed'] })).map((e) => e.id)).toContain(
      '45000000006',
    );
  });

  it('wraps a 403 in a KUBERNETES_FAILED error naming the missing RBAC permission', async () => {
    const fault = cluster.fault({
      kind: 'status',
      status: 403,
      method: 'POST',
      path: '/configmaps',
    });
    const error: unknown = await store.putEvent(stored('45000000007')).catch((e: unknown) => e);
    fault.remove();
    expect(error).toMatchObject({
      code: 'KUBERNETES_FAILED',
      context: { verb: 'create', resource: 'configmaps', namespace, status: 403 },
    });
    expect((error as Error).message).toContain('verb "create" on resource "configmaps"');
  });

  it('subscribe calls back when an event changes, also after the watch dropped', async () => {
    const watchRequests = () =>
      cluster.proxy.requests.filter(
        (r) => r.path.includes('/configmaps?') && r.path.includes('watch=true'),
      );
    await store.putEvent(stored('45000000008'));
    let calls = 0;
    const unsubscribe = store.subscribe?.(() => (calls += 1));
    try {
      await eventually(() => (calls > 0 ? true : undefined)); // the initial listing
      await eventually(() => watchRequests().length > 0);
      calls = 0;
      await store.updateEvent('acme/webapp', '45000000008', (e) => ({ ...e, status: 'skipped' }));
      await eventually(() => (calls > 0 ? true : undefined));
      const watchesBefore = watchRequests().length;
      expect(cluster.dropWatches()).toBeGreaterThan(0);
      await eventually(() => watchRequests().length > watchesBefore, 'the watch re-opened');
      calls = 0;
      // Back into the set that can need work (only those are watched: pending, running, failed).
      await store.updateEvent('acme/webapp', '45000000008', (e) => ({ ...e, status: 'pending' }));
      await eventually(() => (calls > 0 ? true : undefined));
      expect(watchRequests().length).toBeGreaterThanOrEqual(2);
    } finally {
      unsubscribe?.();
    }
  });
});
