import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createLeaseLeadership } from '../../../scheduler/kubernetes/lease-leadership.js';
import type { Leadership } from '../../../scheduler/ports/leadership.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';

const namespace = 'quickcd';
const DURATION_S = 2;
let cluster: TestCluster;
const started: Leadership[] = [];

function elector(identity: string, name: string, kubeConfig?: KubeConfig): Leadership {
  const leadership = createLeaseLeadership({
    kubeConfig: kubeConfig ?? cluster.kubeConfig(),
    namespace,
    name,
    identity,
    leaseDurationSeconds: DURATION_S,
    log: pino({ level: 'silent' }),
    retryPeriodMs: 200,
  });
  started.push(leadership);
  return leadership;
}

const lease = (name: string) =>
  cluster.get<V1Lease>('coordination.k8s.io/v1', 'Lease', namespace, name);
const holder = async (name: string) => (await lease(name))?.spec?.holderIdentity;

/** Resolves with the first of the two acquisitions to finish, and which one it was. */
function first(a: Promise<AbortSignal>, b: Promise<AbortSignal>) {
  return Promise.race([
    a.then((signal) => ({ winner: 'a', signal })),
    b.then((signal) => ({ winner: 'b', signal })),
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeCluster('Lease leadership on the real API server', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace);
  }, 120_000);
  afterEach(async () => {
    await Promise.all(started.splice(0).map((l) => l.release()));
  });
  afterAll(async () => cluster?.stop());

  it('of two contenders exactly one acquires; the other takes over at once on release', async () => {
    const a = elector('replica-a', 'race');
    const b = elector('replica-b', 'race');
    const waitA = new AbortController();
    const waitB = new AbortController();
    const pa = a.acquire(waitA.signal);
    const pb = b.acquire(waitB.signal);
    pa.catch(() => undefined);
    pb.catch(() => undefined);
    const { winner, signal } = await first(pa, pb);
    // Several renewals later, the loser is still waiting and the winner still leads.
    await sleep(DURATION_S * 1000 * 1.5);
    const [leader, standbyPromise] = winner === 'a' ? [a, pb] : [b, pa];
    let standbyDone = false;
    void standbyPromise.then(() => (standbyDone = true));
    await sleep(0);
    expect(standbyDone).toBe(false);
    expect(signal.aborted).toBe(false);
    expect(await holder('race')).toBe(`replica-${winner}`);

    const releasedAt = Date.now();
    await leader.release();
    expect(signal.aborted).toBe(true);
    const standbySignal = await standbyPromise;
    expect(Date.now() - releasedAt).toBeLessThan(1000);
    expect(standbySignal.aborted).toBe(false);
    expect(await holder('race')).toBe(winner === 'a' ? 'replica-b' : 'replica-a');
    const raw = await cluster.kubectl(['get', 'lease', 'race', '-n', namespace, '-o', 'json']);
    const spec = (JSON.parse(raw.stdout) as { spec: Record<string, unknown> }).spec;
    expect(spec.leaseTransitions).toBe(1);
    expect(spec.leaseDurationSeconds).toBe(DURATION_S);
    expect(String(spec.renewTime)).toMatch(/\.\d{6}Z$/);
  });

  it('takes over from a holder that stopped renewing, only once its lease expired', async () => {
    const leases = cluster.kubeConfig().makeApiClient(CoordinationV1Api);
    const renewTime = Date.now();
    await leases.createNamespacedLease({
      namespace,
      body: {
        metadata: { name: 'crashed' },
        spec: {
          holderIdentity: 'crashed-replica',
          leaseDurationSeconds: DURATION_S,
          acquireTime: new V1MicroTime(renewTime),
          renewTime: new V1MicroTime(renewTime),
          leaseTransitions: 4,
        },
      },
    });
    const signal = await elector('replica-c', 'crashed').acquire(new AbortController().signal);
    const after = Date.now() - renewTime;
    expect(after).toBeGreaterThanOrEqual(DURATION_S * 1000);
    expect(after).toBeLessThan(DURATION_S * 1000 + 1000);
    expect(signal.aborted).toBe(false);
    expect(await holder('crashed')).toBe('replica-c');
    expect((await lease('crashed'))?.spec?.leaseTransitions).toBe(5);
  });

  it('aborts the signal when renewals fail for too long; another replica then takes over', async () => {
    const a = elector('replica-a', 'failing');
    const signalA = await a.acquire(new AbortController().signal);
    const b = elector('replica-b', 'failing');
    const pb = b.acquire(new AbortController().signal);
    const fault = cluster.fault({
      kind: 'status',
      status: 503,
      method: 'PUT',
      path: '/leases/failing',
    });
    const lostAt = await new Promise<number>((resolve) =>
      signalA.addEventListener('abort', () => resolve(Date.now()), { once: true }),
    );
    fault.remove();
    expect(String(signalA.reason)).toMatch(/leadership of lease quickcd\/failing lost/);
    const signalB = await pb;
    const tookOver = Date.now();
    // A stopped leading before B could start: B had to wait for A's lease to expire.
    expect(tookOver).toBeGreaterThan(lostAt);
    // …and no longer than its expiry (plus scheduling slack on a loaded machine).
    expect(tookOver - lostAt).toBeLessThan(DURATION_S * 1000 * 2);
    expect(signalB.aborted).toBe(false);
    expect(await holder('failing')).toBe('replica-b');
  });

  it('aborts the signal when another holder overwrites the lease', async () => {
    const a = elector('replica-a', 'stolen');
    const signal = await a.acquire(new AbortController().signal);
    const leases = cluster.kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = await leases.readNamespacedLease({ namespace, name: 'stolen' });
    await leases.replaceNamespacedLease({
      namespace,
      name: 'stolen',
      body: {
        ...lease,
        spec: {
          holderIdentity: 'intruder',
          leaseDurationSeconds: 60,
          renewTime: new V1MicroTime(),
        },
      },
    });
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    expect(String(signal.reason)).toContain('another replica holds the lease');
    await a.release();
    expect(await holder('stolen')).toBe('intruder');
  });

  it('rejects when the caller aborts while waiting, and on a 403 names the RBAC permission', async () => {
    const a = elector('replica-a', 'waiting');
    await a.acquire(new AbortController().signal);
    const wait = new AbortController();
    const pending = elector('replica-b', 'waiting').acquire(wait.signal);
    setTimeout(() => wait.abort(new Error('shutting down')), 300);
    await expect(pending).rejects.toThrow('shutting down');

    // A ServiceAccount with no Role: the real RBAC answers 403.
    const unprivileged = await cluster.serviceAccountKubeConfig(namespace, 'no-lease-access');
    const error: unknown = await elector('replica-a', 'forbidden', unprivileged)
      .acquire(new AbortController().signal)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'KUBERNETES_FAILED',
      context: { verb: 'get', status: 403 },
    });
    expect((error as Error).message).toContain(
      'verb "get" on resource "leases.coordination.k8s.io"',
    );
  });
});
