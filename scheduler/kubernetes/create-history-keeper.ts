import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import type { Clock } from '../../common/clock.js';
import type { SchedulerObserver } from '../scheduler-observer.js';
import { RUNNER_CONTAINER } from './job-manifest.js';
import { kubernetesError } from './kubernetes-api-error.js';
import { LABEL, eventConfigMapName, repoLabel } from './names.js';
import { TAIL_BYTES, failureCodes, keepRun, lastBytes } from './run-history.js';
import { kubeCall } from './kube-call.js';
import type { EventConfigMapCache } from './event-configmap-cache.js';
import type { RunInformers } from './run-informers.js';

export interface HistoryKeeper {
  /** Fed by the dispatcher: each recorded outcome keeps that run's result and output tail. */
  readonly observer: SchedulerObserver;
  /** Resolves when the runs queued so far are kept (tests, shutdown). */
  flush(): Promise<void>;
}

/** Lines asked of the kubelet: more than 64 KiB of any output that is not one long line. */
const TAIL_LINES = 4000;

/**
 * Keeps each run's result and the last 64 KiB of its output (redacted) in the event's history
 * ConfigMap, read from the Job's Pod as soon as the outcome is recorded, so that `quickcd logs`
 * and `kubectl describe` show what happened after ttlSecondsAfterFinished removed the Job and
 * its Pod. Queued; a failure is logged, never thrown.
 */
export function createHistoryKeeper(options: {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly redact?: (text: string) => string;
  /** The Job executor's informers: a run's Pods without a list. */
  readonly runs?: RunInformers;
  /** The store's cache: the event ConfigMap's uid without a read. */
  readonly eventConfigMaps?: EventConfigMapCache;
}): HistoryKeeper {
  const { namespace, log, clock } = options;
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const redact = options.redact ?? ((t: string) => t);
  let queue: Promise<void> = Promise.resolve();

  async function outputOf(job: string): Promise<string | undefined> {
    // The outcome was read from these Pods: the informer has them, unless it is not running.
    let pods = options.runs?.pods(job) ?? [];
    if (pods.length === 0) {
      const listed = await kubeCall('list', 'pods', () =>
        core.listNamespacedPod({ namespace, labelSelector: `batch.kubernetes.io/job-name=${job}` }),
      );
      pods = listed.items;
    }
    const pod = [...pods].sort(
      (a, b) =>
        new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
        new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
    )[0];
    const name = pod?.metadata?.name;
    if (!name) return undefined;
    try {
      return await core.readNamespacedPodLog({
        namespace,
        name,
        container: RUNNER_CONTAINER,
        tailLines: TAIL_LINES,
      });
    } catch (error) {
      throw kubernetesError({ verb: 'get', resource: 'pods/log', namespace, name }, error);
    }
  }

  const keep: NonNullable<SchedulerObserver['outcomeRecorded']> = ({
    event,
    lane,
    attempt,
    ok,
    launch,
    reason,
  }) => {
    if (!launch) return;
    const finishedAt = clock.now().toISOString();
    queue = queue.then(async () => {
      try {
        const output = await outputOf(launch).catch((error: unknown) => {
          log.warn({ job: launch, err: error }, 'cannot read the output of a run');
          return undefined;
        });
        const { tail, truncated } = lastBytes(
          redact(output ?? '(no output kept: the Pod was gone before the run was recorded)\n'),
          TAIL_BYTES,
        );
        const owner = eventConfigMapName(event.repo, event.id);
        const uid =
          options.eventConfigMaps?.uid(owner) ??
          (
            await kubeCall('get', 'configmaps', () =>
              core.readNamespacedConfigMap({ namespace, name: owner }),
            )
          ).metadata?.uid;
        if (!uid) return;
        const codes = failureCodes(event, lane);
        await keepRun(
          core,
          namespace,
          { name: owner, uid },
          { [LABEL.repo]: repoLabel(event.repo), [LABEL.eventId]: event.id },
          {
            job: launch,
            lane,
            attempt,
            ok,
            ...(reason ? { reason: redact(reason) } : {}),
            ...(Object.keys(codes).length > 0 ? { codes } : {}),
            finishedAt,
            tail,
            truncated,
          },
        );
      } catch (error) {
        log.warn(
          { repo: event.repo, eventId: event.id, job: launch, err: error },
          'keeping the result and output of a run failed',
        );
      }
    });
  };

  return { observer: { outcomeRecorded: keep }, flush: () => queue };
}
