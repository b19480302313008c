import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { Executor, Launch, LaunchSpec, RunOutcome } from '../ports/executor.js';
import { kubeCall } from './kube-call.js';
import { apiStatusCode } from './kubernetes-api-error.js';
import { jobManifest, type JobConfig } from './job-manifest.js';
import { jobFinished, jobOutcome } from './job-outcome.js';
import { createJobWatch, type JobUpdate } from './job-watch.js';
import { eventConfigMapName, jobName } from './names.js';
import type { PublishedHandlers } from './publish-handlers.js';
import { watchJobPods } from './watch-job-pods.js';

export interface JobExecutorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly config: JobConfig;
  /** The published handlers ConfigMap (see publishHandlers). */
  readonly handlers: PublishedHandlers;
  readonly log: Logger;
  /** How often a waited Job is re-read besides the watch (default 30 s). */
  readonly resyncMs?: number;
}

/** Why a wait stopped: the signal's reason, as an Error. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : Object.assign(new Error(`aborted: ${String(reason)}`), { name: 'AbortError' });
}

/**
 * The Kubernetes executor: one Job per (event, lane, attempt), named deterministically, so a
 * restarted scheduler adopts the Job it launched before. Completion is observed by one shared
 * watch on quickcd's Jobs (plus a periodic re-read).
 */
export function createJobExecutor(options: JobExecutorOptions): Executor {
  const { kubeConfig, namespace, config, handlers, log } = options;
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watch = createJobWatch({
    kubeConfig,
    namespace,
    log,
    ...(options.resyncMs === undefined ? {} : { resyncMs: options.resyncMs }),
  });
  const nameOf = (spec: LaunchSpec): string =>
    jobName(spec.event.repo, spec.event.id, spec.lane, spec.attempt);
  const failed = (message: string, spec: LaunchSpec, cause: unknown): QuickcdError =>
    new QuickcdError('EXECUTOR_FAILED', `${message}: ${errorMessage(cause)}`, {
      eventId: spec.event.id,
      repo: spec.event.repo,
      cause,
    });

  /** `seen`: the Pods' last states from the watch, for Pods deleted already (a deadline). */
  const outcomeOf = async (job: V1Job, name: string, seen: () => V1Pod[]): Promise<RunOutcome> => {
    try {
      const pods = await kubeCall('list', 'pods', () =>
        core.listNamespacedPod({
          namespace,
          labelSelector: `batch.kubernetes.io/job-name=${name}`,
        }),
      );
      return jobOutcome(job, pods.items.length > 0 ? pods.items : seen());
    } catch (error) {
      log.warn({ job: name, error: errorMessage(error) }, 'cannot read the Pods of a finished Job');
      return jobOutcome(job, seen());
    }
  };

  return {
    async launch(spec) {
      const name = nameOf(spec);
      const cmName = eventConfigMapName(spec.event.repo, spec.event.id);
      const jlog = log.child({ repo: spec.event.repo, eventId: spec.event.id, job: name });
      let eventConfigMap;
      try {
        eventConfigMap = await kubeCall('get', 'configmaps', () =>
          core.readNamespacedConfigMap({ namespace, name: cmName }),
        );
      } catch (error) {
        throw failed(`Cannot read the event ConfigMap ${namespace}/${cmName}`, spec, error);
      }
      const gzip =
        eventConfigMap.data?.['event.json'] === undefined &&
        eventConfigMap.binaryData?.['event.json.gz'] !== undefined;
      const body = jobManifest({
        spec,
        name,
        namespace,
        eventConfigMap: { name: cmName, uid: eventConfigMap.metadata?.uid ?? '', gzip },
        handlersConfigMap: handlers,
        config,
      });
      try {
        await kubeCall(
          'create',
          'jobs.batch',
          () => batch.createNamespacedJob({ namespace, body }),
          [409],
        );
        jlog.debug({ lane: spec.lane, attempt: spec.attempt }, 'created Job');
        return { name, adopted: false };
      } catch (error) {
        if (apiStatusCode(error) === 409) {
          jlog.debug({ lane: spec.lane, attempt: spec.attempt }, 'Job exists already: adopted');
          return { name, adopted: true };
        }
        throw failed(`Cannot create Job ${namespace}/${name}`, spec, error);
      }
    },

    async find(spec) {
      const name = nameOf(spec);
      try {
        await kubeCall(
          'get',
          'jobs.batch',
          () => batch.readNamespacedJob({ namespace, name }),
          [404],
        );
        return { name, adopted: true };
      } catch (error) {
        if (apiStatusCode(error) === 404) return undefined;
        throw failed(`Cannot read Job ${namespace}/${name}`, spec, error);
      }
    },

    wait(launch: Launch, spec: LaunchSpec, signal: AbortSignal): Promise<RunOutcome> {
      const { name } = launch;
      return new Promise<RunOutcome>((resolve, reject) => {
        if (signal.aborted) {
          reject(abortError(signal));
          return;
        }
        let settled = false;
        const pods = watchJobPods({ kubeConfig, namespace, name, log });
        const finish = (outcome: Promise<RunOutcome> | RunOutcome): void => {
          if (settled) return;
          settled = true;
          unsubscribe();
          signal.removeEventListener('abort', onAbort);
          void Promise.resolve(outcome)
            .finally(() => pods.stop())
            .then(resolve, reject);
        };
        const onAbort = (): void => {
          if (settled) return;
          settled = true;
          unsubscribe();
          pods.stop();
          reject(abortError(signal));
        };
        const onUpdate = (update: JobUpdate): void => {
          if (update.job && jobFinished(update.job)) {
            finish(outcomeOf(update.job, name, () => pods.pods()));
          } else if ('deleted' in update) {
            log.warn({ job: name, eventId: spec.event.id }, 'Job deleted before it finished');
            finish({
              ok: false,
              results: undefined,
              reason: `Job ${namespace}/${name} was deleted before quickcd saw it finish`,
            });
          }
        };
        signal.addEventListener('abort', onAbort, { once: true });
        const unsubscribe = watch.subscribe(name, onUpdate);
      });
    },
  };
}
