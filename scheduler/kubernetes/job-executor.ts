import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { systemClock, type Clock } from '../../common/clock.js';
import type { Executor, LaunchSpec, Observation } from '../ports/executor.js';
import { apiStatusCode, kubernetesError } from './kubernetes-api-error.js';
import { RUN_FINALIZER, jobManifest, type JobConfig } from './job-manifest.js';
import { kubeCall } from './kube-call.js';
import { readJob, releaseJob } from './release-job.js';
import { jobFinished, jobOutcome } from './job-outcome.js';
import { LABEL, eventConfigMapName, jobName } from './names.js';
import type { PublishedHandlers } from './publish-handlers.js';
import { createRunInformers, type RunInformers } from './run-informers.js';
import type { EventConfigMapCache } from './event-configmap-cache.js';

export interface JobExecutorOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly config: JobConfig;
  /** The published handlers ConfigMap (see publishHandlers). */
  readonly handlers: PublishedHandlers;
  readonly log: Logger;
  /** The informers to observe runs with; default: its own, running while subscribed. */
  readonly runs?: RunInformers;
  /** The store's cache of event ConfigMaps: their uid and encoding without a read. */
  readonly eventConfigMaps?: EventConfigMapCache;
  readonly clock?: Clock;
}

/**
 * How long a Job this process created (or found existing) counts as running while the Job
 * informer has not shown it yet: the informer lags its own writes by a watch event (client-go's
 * "expectations"). Past this, a miss is settled by a GET.
 */
const EXPECTATION_MS = 60_000;

/**
 * The Kubernetes executor: one Job per (event, lane, attempt), named deterministically, so a
 * restarted scheduler finds the Job it launched before. Runs are observed from one informer on
 * the scheduler's Jobs and one on their Pods; the API server is asked only when the cache has
 * not got the Job (and only its definite answer means absent, never an error). Each Job carries quickcd's finalizer, removed once its
 * outcome is recorded: neither the TTL controller nor a deletion makes it disappear unseen.
 */
export function createJobExecutor(options: JobExecutorOptions): Executor {
  const { kubeConfig, namespace, config, handlers, log } = options;
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const runs = options.runs ?? createRunInformers({ kubeConfig, namespace, log });
  const clock = options.clock ?? systemClock;
  const expected = new Map<string, number>();
  const nameOf = (spec: LaunchSpec): string =>
    jobName(spec.event.repo, spec.event.id, spec.lane, spec.attempt);
  const failed = (message: string, spec: LaunchSpec, cause: unknown): QuickcdError =>
    new QuickcdError('EXECUTOR_FAILED', `${message}: ${errorMessage(cause)}`, {
      eventId: spec.event.id,
      repo: spec.event.repo,
      cause,
    });
  /** A 4xx other than conflict, timeout and throttling: the API server refused it for sure. */
  const refusal = (error: unknown) => {
    const status = apiStatusCode(error);
    return (
      status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status)
    );
  };

  /** The Job as the cache has it, else as the API server has it; undefined only if it has none. */
  async function currentJob(
    name: string,
    spec: LaunchSpec,
  ): Promise<V1Job | 'expected' | undefined> {
    const cached = runs.job(name);
    if (cached) {
      expected.delete(name);
      return cached;
    }
    const since = expected.get(name);
    if (since !== undefined && clock.now().getTime() - since < EXPECTATION_MS) return 'expected';
    expected.delete(name);
    try {
      return await readJob(batch, namespace, name);
    } catch (error) {
      throw failed(`Cannot read Job ${namespace}/${name}`, spec, error);
    }
  }

  async function finishedOutcome(job: V1Job, name: string, spec: LaunchSpec) {
    let pods = runs.pods(name);
    // The Pod informer may lag the Job's: its final state is what carries the results.
    if (!pods.some((p) => p.status?.containerStatuses?.[0]?.state?.terminated)) {
      try {
        const listed = await kubeCall('list', 'pods', () =>
          core.listNamespacedPod({
            namespace,
            labelSelector: `batch.kubernetes.io/job-name=${name}`,
          }),
        );
        if (listed.items.length > 0) pods = listed.items;
      } catch (error) {
        throw failed(`Cannot list the Pods of Job ${namespace}/${name}`, spec, error);
      }
    }
    return jobOutcome(job, pods);
  }

  /** Takes quickcd's finalizer off the Pods of Job `name`, then off the Job. */
  const releaseRun = (name: string, job = runs.job(name)) =>
    releaseJob({ batch, core, namespace, name, job, pods: runs.livePods(name) });

  /**
   * A Job being deleted whose event is gone (deleted, so its Jobs are collected) or skipped will
   * never have an outcome recorded: its finalizer is taken off here, or it would stay forever.
   */
  async function reapOrphan(job: V1Job): Promise<void> {
    const name = job.metadata?.name;
    const owner = job.metadata?.ownerReferences?.find((o) => o.kind === 'ConfigMap')?.name;
    if (!name || !owner || !job.metadata?.finalizers?.includes(RUN_FINALIZER)) return;
    try {
      const event = await kubeCall(
        'get',
        'configmaps',
        () => core.readNamespacedConfigMap({ namespace, name: owner }),
        [404],
      ).catch((error: unknown) => {
        if (apiStatusCode(error) === 404) return undefined;
        throw error;
      });
      if (event && event.metadata?.labels?.[LABEL.status] !== 'skipped') return;
      await releaseRun(name, job);
      log.debug({ job: name, event: owner }, 'released a Job whose event is gone or skipped');
    } catch (error) {
      log.warn({ job: name, err: error }, 'cannot release a Job being deleted');
    }
  }

  return {
    async launch(spec) {
      const name = nameOf(spec);
      const cmName = eventConfigMapName(spec.event.repo, spec.event.id);
      const jlog = log.child({ repo: spec.event.repo, eventId: spec.event.id, job: name });
      // Any version of it will do: its uid and the encoding of event.json never change.
      let eventConfigMap = options.eventConfigMaps?.get(cmName);
      try {
        eventConfigMap ??= await kubeCall(
          'get',
          'configmaps',
          () => core.readNamespacedConfigMap({ namespace, name: cmName }),
          [404],
        );
      } catch (error) {
        if (apiStatusCode(error) === 404) {
          const call = { verb: 'get', resource: 'configmaps', namespace, name: cmName } as const;
          return { name, refused: kubernetesError(call, error).message };
        }
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
        expected.set(name, clock.now().getTime());
        jlog.debug({ lane: spec.lane, attempt: spec.attempt }, 'created Job');
        return { name, adopted: false };
      } catch (error) {
        if (apiStatusCode(error) === 409) {
          jlog.debug({ lane: spec.lane, attempt: spec.attempt }, 'Job exists already: adopted');
          return { name, adopted: true };
        }
        const problem = failed(`Cannot create Job ${namespace}/${name}`, spec, error);
        if (refusal(error)) return { name, refused: problem.message };
        throw problem;
      }
    },

    async observe(spec): Promise<Observation> {
      const name = nameOf(spec);
      const job = await currentJob(name, spec);
      if (job === undefined) return { state: 'absent' };
      if (job === 'expected') return { state: 'running', name };
      if (jobFinished(job)) {
        return { state: 'finished', name, outcome: await finishedOutcome(job, name, spec) };
      }
      if (job.metadata?.deletionTimestamp) {
        // Deleted by someone (kubectl, its event's deletion); held by quickcd's finalizer.
        return {
          state: 'finished',
          name,
          outcome: {
            ok: false,
            results: undefined,
            reason: `Job ${namespace}/${name} was deleted before it finished`,
          },
        };
      }
      return { state: 'running', name };
    },

    subscribe(onChange) {
      // Told only when what observe() answers can have changed (not at each status update of
      // a running Job): each notification costs the dispatcher a pass.
      const seen = new Map<string, string>();
      return runs.subscribe((job, deleted) => {
        const name = job.metadata?.name ?? '';
        const phase = deleted
          ? 'gone'
          : jobFinished(job)
            ? 'finished'
            : job.metadata?.deletionTimestamp
              ? 'deleting'
              : 'running';
        if (seen.get(name) !== phase) onChange();
        if (deleted) seen.delete(name);
        else seen.set(name, phase);
        if (job.metadata?.deletionTimestamp && !deleted) void reapOrphan(job);
      });
    },

    async release(spec) {
      const name = nameOf(spec);
      expected.delete(name);
      await releaseRun(name).catch((error: unknown) => {
        throw failed(
          `Cannot remove quickcd's finalizer from Job ${namespace}/${name}`,
          spec,
          error,
        );
      });
    },
  };
}
