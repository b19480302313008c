import { CoreV1Api, EventsV1Api, V1MicroTime, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { kubernetesError } from './kubernetes-api-error.js';
import type { Logger } from '../../common/logger.js';
import type { Clock } from '../../common/clock.js';
import type { SchedulerObserver } from '../scheduler-observer.js';
import { eventConfigMapName } from './names.js';
import { kubeCall } from './kube-call.js';
import type { EventConfigMapCache } from './event-configmap-cache.js';

/** One Kubernetes Event (events.k8s.io/v1) about an event ConfigMap. */
export interface KubeEventNote {
  readonly configMap: string;
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase, short: `Launched`, `Failed`, `LaneHeld`, … */
  readonly reason: string;
  /** What quickcd did: `Launch`, `Run`, `Retry`, `Hold`, `Skip`, `Reload`. */
  readonly action: string;
  readonly note: string;
}

export interface KubeEventRecorder {
  /** Fed by the dispatcher: launches, outcomes, retries, held lanes, skips. */
  readonly observer: SchedulerObserver;
  /** Queues one Event (dropped when over the rate limit). */
  record(event: KubeEventNote): void;
  /** Resolves when the queued Events have been sent (tests, shutdown). */
  flush(): Promise<void>;
  /** Events dropped by the rate limit so far. */
  readonly dropped: number;
}

export interface KubeEventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  /** This replica (`reportingInstance`). */
  readonly identity: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** Secrets out of notes (the scheduler's redactor). */
  readonly redact?: (text: string) => string;
  /** Events at once (default 20) … */
  readonly burst?: number;
  /** … then one per this many ms (default 6000: 10 a minute). */
  readonly refillMs?: number;
  /** The store's cache: the ConfigMaps' uids without a read. */
  readonly eventConfigMaps?: EventConfigMapCache;
}

export const REPORTING_CONTROLLER = 'quickcd.dev/scheduler';
/** events.k8s.io/v1 `note` is at most 1 kB. */
const MAX_NOTE = 1024;
/** The same reason for the same ConfigMap again within this is dropped (a flapping lane). */
const REPEAT_MS = 60_000;

/**
 * Kubernetes Events on the event ConfigMaps, so `kubectl describe configmap <event>` and
 * `kubectl get events` tell each event's story. A token bucket (burst, then a steady rate) and
 * a per-object repeat filter bound what a busy or crash-looping scheduler can send; sending is
 * queued and never holds up the dispatcher; a failure is logged, never thrown.
 */
export function createKubeEventRecorder(options: KubeEventRecorderOptions): KubeEventRecorder {
  const { namespace, log, clock } = options;
  const events = options.kubeConfig.makeApiClient(EventsV1Api);
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const burst = options.burst ?? 20;
  const refillMs = options.refillMs ?? 6000;
  const redact = options.redact ?? ((t: string) => t);
  let tokens = burst;
  let refilledAt = clock.now().getTime();
  let dropped = 0;
  const recent = new Map<string, number>();
  /** ConfigMap name → uid (kubectl describe matches Events by uid). */
  const uids = new Map<string, string>();
  let queue: Promise<void> = Promise.resolve();

  const allow = (key: string): boolean => {
    const now = clock.now().getTime();
    const gained = Math.floor((now - refilledAt) / refillMs);
    if (gained > 0) {
      tokens = Math.min(burst, tokens + gained);
      refilledAt = tokens === burst ? now : refilledAt + gained * refillMs;
    }
    const last = recent.get(key);
    if (last !== undefined && now - last < REPEAT_MS) return false;
    if (tokens <= 0) return false;
    tokens--;
    recent.set(key, now);
    if (recent.size > 1000) {
      for (const [k, t] of recent) if (now - t >= REPEAT_MS) recent.delete(k);
    }
    return true;
  };

  async function uidOf(name: string): Promise<string | undefined> {
    const known = uids.get(name) ?? options.eventConfigMaps?.uid(name);
    if (known) return known;
    // Without it the Event still shows in `kubectl get events`, not in `kubectl describe`.
    const uid = await kubeCall('get', 'configmaps', () =>
      core.readNamespacedConfigMap({ name, namespace }),
    )
      .then((c) => c.metadata?.uid)
      .catch(() => undefined);
    if (uid) {
      if (uids.size > 500) uids.clear();
      uids.set(name, uid);
    }
    return uid;
  }

  async function send(e: KubeEventNote): Promise<void> {
    const uid = await uidOf(e.configMap);
    const note = redact(e.note);
    await events.createNamespacedEvent({
      namespace,
      body: {
        // As the kubelet names them: the object, then a unique hex suffix.
        metadata: {
          name: `${e.configMap.slice(0, 230)}.${clock.now().getTime().toString(16)}${randomBytes(3).toString('hex')}`,
        },
        eventTime: new V1MicroTime(clock.now().getTime()),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: options.identity.slice(0, 128),
        action: e.action,
        reason: e.reason,
        type: e.type,
        note: note.length > MAX_NOTE ? `${note.slice(0, MAX_NOTE - 1)}…` : note,
        regarding: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace,
          name: e.configMap,
          ...(uid ? { uid } : {}),
        },
      },
    });
  }

  const record = (e: KubeEventNote): void => {
    if (!allow(`${e.configMap}#${e.reason}`)) {
      dropped++;
      log.debug({ configMap: e.configMap, reason: e.reason, dropped }, 'Kubernetes Event dropped');
      return;
    }
    queue = queue.then(() =>
      send(e).catch((error: unknown) => {
        const failure = kubernetesError(
          { verb: 'create', resource: 'events.events.k8s.io', namespace },
          error,
        );
        log.warn(
          { configMap: e.configMap, reason: e.reason, err: failure },
          'recording a Kubernetes Event failed',
        );
      }),
    );
  };
  const cm = (repo: string, id: string) => eventConfigMapName(repo, id);

  return {
    record,
    flush: () => queue,
    get dropped() {
      return dropped;
    },
    observer: {
      launched({ event, lane, attempt, launch, adopted }) {
        record({
          configMap: cm(event.repo, event.id),
          type: 'Normal',
          reason: adopted ? 'Adopted' : 'Launched',
          action: 'Launch',
          note: adopted
            ? `adopted ${lane} run ${launch} (attempt ${attempt}) launched before a restart`
            : `launched ${lane} run ${launch} (attempt ${attempt})`,
        });
      },
      outcomeRecorded({ event, lane, attempt, ok, seconds, reason }) {
        record({
          configMap: cm(event.repo, event.id),
          type: ok ? 'Normal' : 'Warning',
          reason: ok ? 'Handled' : 'Failed',
          action: 'Run',
          note: ok
            ? `${lane} handlers succeeded (attempt ${attempt}, ${Math.round(seconds)} s)`
            : `${lane} handlers failed (attempt ${attempt}, ${Math.round(seconds)} s): ${reason ?? 'unknown'}`,
        });
      },
      retryScheduled({ event, lane, attempt, retryAt }) {
        record({
          configMap: cm(event.repo, event.id),
          type: 'Normal',
          reason: 'RetryScheduled',
          action: 'Retry',
          note: `${lane} lane runs again at ${retryAt} (attempt ${attempt + 1}); quickcd retry ${event.id} runs it now`,
        });
      },
      laneHeld({ event, retryAt }) {
        record({
          configMap: cm(event.repo, event.id),
          type: 'Warning',
          reason: 'LaneHeld',
          action: 'Hold',
          note: `holds the blocking lane of ${event.repo}${retryAt ? ` until its retry at ${retryAt}` : ''}: quickcd retry ${event.id} or quickcd skip ${event.id} releases it`,
        });
      },
      skipped({ repo, eventId, by }) {
        record({
          configMap: cm(repo, eventId),
          type: 'Normal',
          reason: 'Skipped',
          action: 'Skip',
          note: `skipped by @${by} (/quickcd skip); the events after it go on`,
        });
      },
    },
  };
}
