import { Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { countWatchFailure } from './kube-call.js';

export interface JobPodsWatch {
  /** The last state seen of each Pod of the Job, deleted ones included. */
  pods(): V1Pod[];
  stop(): void;
}

/**
 * Remembers the last state of each Pod of Job `name` while its run is waited for. A Job past
 * `activeDeadlineSeconds` has its active Pod deleted by the Job controller, and its terminal
 * condition is set only once that Pod is gone: the runner's result (written when it is told to
 * stop) survives only in the Pod's final status, which the DELETED event of a watch carries.
 * Best effort: the list of the Job's Pods stays the first source.
 */
export function watchJobPods(options: {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly log: Logger;
}): JobPodsWatch {
  const { kubeConfig, namespace, name, log } = options;
  const seen = new Map<string, V1Pod>();
  let stopped = false;
  let controller: AbortController | undefined;
  void new Watch(kubeConfig)
    .watch(
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      { labelSelector: `batch.kubernetes.io/job-name=${name}` },
      (type: string, pod: V1Pod) => {
        const podName = pod?.metadata?.name;
        if (type !== 'ERROR' && type !== 'BOOKMARK' && podName) seen.set(podName, pod);
      },
      (error: unknown) => {
        if (!stopped) countWatchFailure('pods', error);
        if (error && !stopped) {
          log.debug({ job: name, error: errorMessage(error) }, 'watch of the Pods of a Job ended');
        }
      },
    )
    .then(
      (c) => {
        controller = c;
        if (stopped) c.abort();
      },
      (error: unknown) => {
        countWatchFailure('pods', error);
        log.debug({ job: name, error: errorMessage(error) }, 'cannot watch the Pods of a Job');
      },
    );
  return {
    pods: () => [...seen.values()],
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
