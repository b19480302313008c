// The ConfigMap store while it is subscribed (the scheduler, while it leads): its informer on
// the open events answers the read before each write and the dispatcher's list of open events;
// a stale copy costs a 409 and a fresh read, never a lost write. Requests are counted at the
// proxy in front of the real API server.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { createConfigMapStore } from '../../../scheduler/kubernetes/configmap-store.js';
import { createEventConfigMapCache } from '../../../scheduler/kubernetes/event-configmap-cache.js';
import { createKubeEventRecorder } from '../../../scheduler/kubernetes/record-kube-event.js';
import type { EventStore, StoredEvent } from '../../../scheduler/ports/event-store.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';
import { createManualClock } from '../../support/manual-clock.js';

const namespace = 'quickcd-cache';
const repo = 'acme/webapp';
const OPEN = { status: ['pending', 'running', 'failed'] } as const;
const log = pino({ level: 'silent' });
let cluster: TestCluster;
let nextId = 47_000_000_000n;

function stored(): StoredEvent {
  const id = String(++nextId);
  const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id, repo }));
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
  };
}

const configMapName = (id: string) => `quickcd-acme-webapp-${id}`;

/** The requests made by `run`, as `METHOD path` (query dropped), watches left out. */
async function requestsOf(run: () => Promise<unknown>): Promise<string[]> {
  const from = cluster.proxy.requests.length;
  await run();
  return cluster.proxy.requests
    .slice(from)
    .filter((r) => !/[?&]watch=true/.test(r.path))
    .map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}${r.status === 409 ? ' 409' : ''}`);
}

/** Until the store lists the open events without asking the API server: its cache answers. */
const cacheAnswers = (store: EventStore) =>
  eventually(
    async () => (await requestsOf(() => store.listEvents(OPEN))).length === 0,
    'the open events listed from the cache',
  );

describeCluster('ConfigMap store with its informer cache', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster({ node: false });
    await cluster.createNamespace(namespace);
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('reads before writes and lists open events from the cache: one request per write', async () => {
    const store = createConfigMapStore({ kubeConfig: cluster.kubeConfig(), namespace, log });
    const unsubscribe = store.subscribe?.(() => {});
    try {
      const event = stored();
      const name = configMapName(event.id);
      const path = `/api/v1/namespaces/${namespace}/configmaps`;
      await cacheAnswers(store);
      expect(await requestsOf(() => store.putEvent(event))).toEqual([`POST ${path}`]);
      // Stored by another writer too, and seen only through the watch (JSON, not the typed
      // answer of a write): the copy an update is made from.
      const other = createConfigMapStore({ kubeConfig: cluster.admin, namespace, log });
      const seen = stored();
      await other.putEvent(seen);
      await eventually(
        async () => (await store.listEvents(OPEN)).some((e) => e.id === seen.id),
        'the watch delivered it',
      );
      expect(
        await requestsOf(() =>
          store.updateEvent(repo, seen.id, (e) => ({ ...e, status: 'skipped' })),
        ),
      ).toEqual([`PUT ${path}/${configMapName(seen.id)}`]);
      expect((await other.getEvent(seen.id, repo))?.status).toBe('skipped');
      // As the dispatcher does: the lane running (before the launch), then its outcome.
      const running = await requestsOf(() =>
        store.updateEvent(repo, event.id, (e) => ({
          ...e,
          status: 'running',
          lanes: { blocking: { status: 'running', attempts: 1 } },
        })),
      );
      expect(running).toEqual([`PUT ${path}/${name}`]);
      // The next pass sees the write at once (its own write, if the watch has not shown it yet).
      let open: StoredEvent[] = [];
      expect(await requestsOf(async () => (open = await store.listEvents(OPEN)))).toEqual([]);
      expect(open.find((e) => e.id === event.id)?.lanes.blocking?.status).toBe('running');
      const handled = await requestsOf(() =>
        store.updateEvent(repo, event.id, (e) => ({
          ...e,
          status: 'handled',
          lanes: { blocking: { status: 'handled', attempts: 1 } },
        })),
      );
      expect(handled).toEqual([`PUT ${path}/${name}`]);
      expect(await requestsOf(async () => (open = await store.listEvents(OPEN)))).toEqual([]);
      expect(open.map((e) => e.id)).not.toContain(event.id);
      // What the API server has is what was written.
      expect((await store.getEvent(event.id, repo))?.lanes.blocking?.status).toBe('handled');
      // Other filters (history, one repository's handled events) still ask the API server.
      expect(await requestsOf(() => store.listEvents({ status: ['handled'] }))).toHaveLength(1);
    } finally {
      unsubscribe?.();
    }
  });

  it('a stale cache costs a 409 and a fresh read: the write is applied to the latest version', async () => {
    const store = createConfigMapStore({ kubeConfig: cluster.kubeConfig(), namespace, log });
    // Another writer, straight to the API server: `quickcd retry`, kubectl, another replica.
    const other = createConfigMapStore({ kubeConfig: cluster.admin, namespace, log });
    const event = stored();
    const name = configMapName(event.id);
    const path = `/api/v1/namespaces/${namespace}/configmaps`;
    await store.putEvent(event);
    const unsubscribe = store.subscribe?.(() => {});
    try {
      await cacheAnswers(store);
      // The watch breaks and cannot start again: the cache keeps what it had.
      const broken = cluster.fault({ kind: 'status', status: 500, watch: true, path });
      expect(cluster.dropWatches()).toBeGreaterThan(0);
      await eventually(
        () => cluster.proxy.requests.some((r) => r.injected && r.path.startsWith(`${path}?`)),
        'the watch refused',
      );
      // An unhealthy cache does not answer the list: the API server does.
      await eventually(
        async () => (await requestsOf(() => store.listEvents(OPEN))).length === 1,
        'the open events listed from the API server',
      );
      await other.updateEvent(repo, event.id, (e) => ({
        ...e,
        lanes: { blocking: { status: 'failed', attempts: 1, lastError: 'deploy broke' } },
      }));
      // … with the other writer's change, which the cache has not got.
      let open: StoredEvent[] = [];
      const listed = await requestsOf(async () => (open = await store.listEvents(OPEN)));
      expect(listed).toEqual([`GET ${path}`]);
      expect(open.find((e) => e.id === event.id)?.lanes.blocking?.status).toBe('failed');

      const seen: (string | undefined)[] = [];
      const made = await requestsOf(() =>
        store.updateEvent(repo, event.id, (e) => {
          seen.push(e.lanes.blocking?.status);
          return { ...e, lanes: { ...e.lanes, nonblocking: { status: 'running', attempts: 1 } } };
        }),
      );
      broken.remove();
      // The cached (old) copy first, refused for its resourceVersion; then the latest.
      expect(seen).toEqual([undefined, 'failed']);
      expect(made).toEqual([
        `PUT ${path}/${name} 409`,
        `GET ${path}/${name}`,
        `PUT ${path}/${name}`,
      ]);
      const now = await other.getEvent(event.id, repo);
      expect(now?.lanes).toEqual({
        blocking: { status: 'failed', attempts: 1, lastError: 'deploy broke' },
        nonblocking: { status: 'running', attempts: 1 },
      });
    } finally {
      unsubscribe?.();
    }
  });

  it('a change that changes nothing on a fresh read writes nothing', async () => {
    const store = createConfigMapStore({ kubeConfig: cluster.kubeConfig(), namespace, log });
    const event = stored();
    await store.putEvent(event);
    // Not subscribed: no cache, so the read is the API server's answer.
    const made = await requestsOf(() => store.updateEvent(repo, event.id, (e) => e));
    expect(made).toEqual([
      `GET /api/v1/namespaces/${namespace}/configmaps/${configMapName(event.id)}`,
    ]);
  });

  it('the Kubernetes Event recorder takes the uid from the cache: no read of the ConfigMap', async () => {
    const kubeConfig = cluster.kubeConfig();
    const cache = createEventConfigMapCache({ kubeConfig, namespace, log });
    const store = createConfigMapStore({ kubeConfig, namespace, log, cache });
    const recorder = createKubeEventRecorder({
      kubeConfig,
      namespace,
      identity: 'scheduler-0',
      log,
      clock: createManualClock(),
      eventConfigMaps: cache,
    });
    const event = stored();
    const name = configMapName(event.id);
    const unsubscribe = store.subscribe?.(() => {});
    try {
      await store.putEvent(event);
      await eventually(() => cache.uid(name), 'the uid known');
      const made = await requestsOf(async () => {
        recorder.record({
          configMap: name,
          type: 'Normal',
          reason: 'Launched',
          action: 'Launch',
          note: `launched blocking run ${randomBytes(2).toString('hex')}`,
        });
        await recorder.flush();
      });
      expect(made).toEqual([`POST /apis/events.k8s.io/v1/namespaces/${namespace}/events`]);
      const described = await cluster.kubectl(['-n', namespace, 'describe', 'configmap', name]);
      expect(described.stdout).toMatch(/Normal\s+Launched\s+.*launched blocking run/);
    } finally {
      unsubscribe?.();
    }
  });
});
