import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import type { Leadership } from '../ports/leadership.js';
import { apiStatusCode, kubernetesError, type KubeCall } from './kubernetes-api-error.js';
import { systemClock, type Clock } from '../../common/clock.js';
import { clockTimer } from '../clock-timer.js';
import { kubeCall } from './kube-call.js';

export interface LeaseLeadershipOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** Name of the Lease object. */
  readonly name: string;
  /** This replica (e.g. the Pod name); must differ between replicas. */
  readonly identity: string;
  readonly leaseDurationSeconds: number;
  readonly log: Logger;
  readonly clock?: Clock;
  /** How often a standby replica retries, and a failed renewal is retried (ms). */
  readonly retryPeriodMs?: number;
}

const RESOURCE = 'leases.coordination.k8s.io';
/** Errors retrying cannot fix: reported instead of waited out. */
const FATAL = new Set([401, 403, 404, 422]);

function millis(time: unknown): number {
  if (time instanceof Date) return time.getTime();
  return typeof time === 'string' ? Date.parse(time) : Number.NaN;
}

/** client-node 1.3 reads MicroTimes as strings; the server wants microseconds: normalise. */
function micro(time: unknown): V1MicroTime | undefined {
  const ms = millis(time);
  return Number.isFinite(ms) ? new V1MicroTime(ms) : undefined;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease (client-node 1.3 has no elector). The
 * lease is taken when free or expired (renewTime + duration < now) with a resourceVersion-
 * conditional write, so of two contenders exactly one wins; the holder renews every third of
 * the duration. Leadership counts as lost (the signal aborts) when another holder shows up or
 * no renewal succeeded for two thirds of the duration — before anyone else may take the lease.
 */
export function createLeaseLeadership(options: LeaseLeadershipOptions): Leadership {
  const { namespace, name, identity, leaseDurationSeconds } = options;
  const leases = options.kubeConfig.makeApiClient(CoordinationV1Api);
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const log = options.log.child({ lease: name, identity });
  const durationMs = leaseDurationSeconds * 1000;
  const renewMs = Math.max(50, durationMs / 3);
  const retryMs = options.retryPeriodMs ?? Math.max(50, Math.min(2000, durationMs / 4));
  const deadlineMs = (durationMs * 2) / 3;

  let lease: V1Lease | undefined;
  let lost: AbortController | undefined;
  let stop: AbortController | undefined;
  let cancelRenew: (() => void) | undefined;
  let cancelDeadline: (() => void) | undefined;
  let lastLoggedHolder: string | undefined;

  const what = (verb: KubeCall['verb']): KubeCall => ({
    verb,
    resource: RESOURCE,
    namespace,
    name,
  });

  function spec(previous: V1LeaseSpec | undefined, at: Date): V1LeaseSpec {
    const transition = previous?.holderIdentity !== identity;
    const acquireTime = transition ? new V1MicroTime(at.getTime()) : micro(previous?.acquireTime);
    const transitions = previous?.leaseTransitions ?? 0;
    return {
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: new V1MicroTime(at.getTime()),
      ...(acquireTime === undefined ? {} : { acquireTime }),
      leaseTransitions: previous && transition ? transitions + 1 : transitions,
    };
  }

  async function read(): Promise<V1Lease | undefined> {
    try {
      return await leases.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (apiStatusCode(error) === 404) return undefined;
      throw kubernetesError(what('get'), error);
    }
  }

  /** One attempt to take the lease; false when someone else holds it or won the race. */
  async function tryAcquire(): Promise<boolean> {
    const at = now();
    const current = await read();
    if (current === undefined) {
      try {
        lease = await leases.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: spec(undefined, at) },
        });
        return true;
      } catch (error) {
        if (apiStatusCode(error) === 409) return false;
        throw kubernetesError(what('create'), error);
      }
    }
    const holder = current.spec?.holderIdentity;
    const expires =
      millis(current.spec?.renewTime) +
      (current.spec?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && !(expires < at.getTime())) {
      if (holder !== lastLoggedHolder) log.info({ holder }, 'waiting: another replica leads');
      lastLoggedHolder = holder;
      return false;
    }
    try {
      lease = await leases.replaceNamespacedLease({
        name,
        namespace,
        body: { ...current, spec: spec(current.spec, at) },
      });
      if (holder && holder !== identity)
        log.info({ previous: holder }, 'took over an expired lease');
      return true;
    } catch (error) {
      if (apiStatusCode(error) === 409) return false;
      throw kubernetesError(what('update'), error);
    }
  }

  function clearTimers(): void {
    cancelRenew?.();
    cancelDeadline?.();
    cancelRenew = cancelDeadline = undefined;
  }

  function lose(reason: string, extra: object = {}): void {
    if (!lost || lost.signal.aborted) return;
    clearTimers();
    log.error(extra, `leadership lost: ${reason}`);
    lost.abort(new Error(`leadership of lease ${namespace}/${name} lost: ${reason}`));
  }

  function armDeadline(): void {
    cancelDeadline?.();
    cancelDeadline = clockTimer(clock, deadlineMs, () =>
      lose(`no renewal succeeded for ${deadlineMs} ms`),
    );
  }

  function scheduleRenew(ms: number): void {
    cancelRenew = clockTimer(clock, ms, () => void renew());
  }

  async function renew(): Promise<void> {
    const session = lost;
    if (!session || session.signal.aborted || !lease) return;
    try {
      try {
        const body = { ...lease, spec: spec(lease.spec, now()) };
        lease = await kubeCall(
          'update',
          RESOURCE,
          () => leases.replaceNamespacedLease({ name, namespace, body }),
          [409],
        );
      } catch (error) {
        if (apiStatusCode(error) !== 409) throw error;
        // Written by someone else: only a write by another holder means we lost it.
        const current = await read();
        const holder = current?.spec?.holderIdentity;
        if (holder !== identity) return lose('another replica holds the lease', { holder });
        const body = { ...current, spec: spec(current?.spec, now()) };
        lease = await kubeCall('update', RESOURCE, () =>
          leases.replaceNamespacedLease({ name, namespace, body }),
        );
      }
      if (session !== lost || session.signal.aborted) return;
      armDeadline();
      scheduleRenew(renewMs);
    } catch (error) {
      if (session !== lost || session.signal.aborted) return;
      log.warn({ err: error }, 'lease renewal failed; retrying');
      scheduleRenew(retryMs);
    }
  }

  async function release(): Promise<void> {
    stop?.abort(new Error('leadership released'));
    clearTimers();
    const held = lost !== undefined && !lost.signal.aborted;
    lost?.abort(new Error('leadership released'));
    lost = undefined;
    if (!held) return;
    try {
      const current = await read();
      if (current?.spec?.holderIdentity !== identity) return;
      // No holder: a standby replica takes the lease on its next try, without waiting.
      const {
        holderIdentity: _holder,
        acquireTime: _acquired,
        ...rest
      } = spec(current.spec, now());
      const body = { ...current, spec: rest };
      await kubeCall('update', RESOURCE, () =>
        leases.replaceNamespacedLease({ name, namespace, body }),
      );
      log.info('leadership released');
    } catch (error) {
      // The lease then simply expires after its duration.
      log.warn({ err: error }, 'could not release the lease; it will expire');
    } finally {
      lease = undefined;
    }
  }

  return {
    async acquire(signal) {
      signal.throwIfAborted();
      stop = new AbortController();
      const both = AbortSignal.any([signal, stop.signal]);
      lastLoggedHolder = undefined;
      for (;;) {
        try {
          if (await tryAcquire()) break;
        } catch (error) {
          const status = apiStatusCode((error as { cause?: unknown }).cause);
          if (status !== undefined && FATAL.has(status)) throw error;
          log.warn({ err: error }, 'cannot reach the lease; retrying');
        }
        await clock.sleep(retryMs, both);
        both.throwIfAborted();
      }
      lost = new AbortController();
      if (both.aborted) {
        const reason: unknown = both.reason;
        await release();
        throw reason;
      }
      log.info({ leaseDurationSeconds }, 'leadership acquired');
      armDeadline();
      scheduleRenew(renewMs);
      return lost.signal;
    },
    release,
  };
}
