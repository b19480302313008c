import {
  BatchV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { createInformer } from './create-informer.js';
import { LABEL, MANAGED_BY } from './names.js';

const JOB_NAME_LABELS = ['batch.kubernetes.io/job-name', 'job-name'];

export interface RunInformers {
  /** The cached Job, if the informer has it. */
  job(name: string): V1Job | undefined;
  /**
   * The Pods of Job `name` the informer has, with the last state of those deleted since (a
   * Job past its deadline loses its Pod, whose final status carries the runner's result).
   */
  pods(name: string): V1Pod[];
  /** The Pods of Job `name` that exist, if the informers run (else undefined: ask the API). */
  livePods(name: string): V1Pod[] | undefined;
  /**
   * Calls `onChange` on every change of a run Job; returns the unsubscribe function. The
   * informers run while someone is subscribed (the scheduler, while it leads).
   */
  subscribe(onChange: (job: V1Job, deleted: boolean) => void): () => void;
}

/**
 * One informer on the scheduler's run Jobs and one on their Pods, for every run: what the Job
 * executor observes, and what tells the dispatcher to look again.
 */
export function createRunInformers(options: {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  readonly retryMs?: number;
}): RunInformers {
  const { kubeConfig, namespace, log } = options;
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=run`;
  const ns = encodeURIComponent(namespace);
  const listeners = new Set<(job: V1Job, deleted: boolean) => void>();
  // The last state of deleted Pods, by Job name, until their Job goes too.
  const gonePods = new Map<string, Map<string, V1Pod>>();
  const jobOf = (pod: V1Pod) =>
    JOB_NAME_LABELS.map((l) => pod.metadata?.labels?.[l]).find((n) => n !== undefined);
  const retry = options.retryMs === undefined ? {} : { retryMs: options.retryMs };

  const jobs = createInformer<V1Job>({
    kubeConfig,
    log,
    namespace,
    path: `/apis/batch/v1/namespaces/${ns}/jobs`,
    resource: 'jobs.batch',
    labelSelector,
    list: () => batch.listNamespacedJob({ namespace, labelSelector }),
    onChange: (job, deleted) => {
      if (deleted && job.metadata?.name) gonePods.delete(job.metadata.name);
      for (const listener of [...listeners]) listener(job, deleted);
    },
    ...retry,
  });
  const pods = createInformer<V1Pod>({
    kubeConfig,
    log,
    namespace,
    path: `/api/v1/namespaces/${ns}/pods`,
    resource: 'pods',
    labelSelector,
    list: () => core.listNamespacedPod({ namespace, labelSelector }),
    onChange: (pod, deleted) => {
      const job = jobOf(pod);
      const name = pod.metadata?.name;
      if (!deleted || !job || !name || !jobs.get(job)) return;
      let gone = gonePods.get(job);
      if (!gone) gonePods.set(job, (gone = new Map()));
      gone.set(name, pod);
    },
    ...retry,
  });

  return {
    job: (name) => jobs.get(name),
    pods(name) {
      const live = pods.list().filter((p) => jobOf(p) === name);
      const known = new Set(live.map((p) => p.metadata?.name));
      const gone = [...(gonePods.get(name)?.values() ?? [])].filter(
        (p) => !known.has(p.metadata?.name),
      );
      return [...live, ...gone];
    },
    livePods: (name) =>
      listeners.size > 0 ? pods.list().filter((p) => jobOf(p) === name) : undefined,
    subscribe(onChange) {
      listeners.add(onChange);
      void jobs.start();
      void pods.start();
      return () => {
        listeners.delete(onChange);
        if (listeners.size > 0) return;
        jobs.stop();
        pods.stop();
        gonePods.clear();
      };
    },
  };
}
