import { BatchV1Api, Watch, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { apiStatusCode } from './kubernetes-api-error.js';
import { LABEL, MANAGED_BY } from './names.js';
import { countWatchFailure, kubeCall } from './kube-call.js';

/** What a watcher hears of one Job: its latest state, or that it is gone. */
export type JobUpdate = { readonly job: V1Job } | { readonly deleted: true; readonly job?: V1Job };

export interface JobWatchOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  /** Every Job watched is re-read this often, in case the watch missed something (default 30 s). */
  readonly resyncMs?: number;
  /** Pause before re-watching after a watch error (default 1 s). */
  readonly retryMs?: number;
}

export interface JobWatch {
  /**
   * Calls `listener` with each change of Job `name` until the returned function is called.
   * Right after subscribing, the Job is read once (so no change is missed in between).
   */
  subscribe(name: string, listener: (update: JobUpdate) => void): () => void;
}

/**
 * One watch on quickcd's run Jobs shared by every waiter, running only while someone waits.
 * A watch can end or silently miss events, so each watched Job is also re-read every
 * `resyncMs` and whenever the watch ends, after which the watch is restarted.
 */
export function createJobWatch(options: JobWatchOptions): JobWatch {
  const { kubeConfig, namespace, log } = options;
  const resyncMs = options.resyncMs ?? 30_000;
  const retryMs = options.retryMs ?? 1000;
  const batch = kubeConfig.makeApiClient(BatchV1Api);
  const listeners = new Map<string, Set<(update: JobUpdate) => void>>();
  const path = `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs`;
  const labelSelector = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=run`;
  let resyncTimer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let resourceVersion: string | undefined;

  const notify = (name: string, update: JobUpdate): void => {
    for (const listener of [...(listeners.get(name) ?? [])]) listener(update);
  };

  const read = async (name: string): Promise<void> => {
    try {
      const job = await kubeCall(
        'get',
        'jobs.batch',
        () => batch.readNamespacedJob({ namespace, name }),
        [404],
      );
      notify(name, { job });
    } catch (error) {
      if (apiStatusCode(error) === 404) notify(name, { deleted: true });
      else log.warn({ job: name, error: errorMessage(error) }, 'cannot read Job (will retry)');
    }
  };
  const resync = (): void => {
    for (const name of listeners.keys()) void read(name);
  };

  /** The open watch: a fresh object per watch, so a stale one's end is told apart. */
  let current: { controller?: AbortController; stopped?: boolean } | undefined;

  const startWatch = (): void => {
    if (current || listeners.size === 0) return;
    const mine: { controller?: AbortController; stopped?: boolean } = {};
    current = mine;
    const onEvent = (type: string, object: V1Job): void => {
      if (current !== mine) return;
      if (type === 'ERROR') {
        // 410 Expired and the like: start over from the current state.
        countWatchFailure('jobs.batch', object);
        resourceVersion = undefined;
        mine.controller?.abort();
        return;
      }
      const rv = object?.metadata?.resourceVersion;
      if (rv) resourceVersion = rv;
      const name = object?.metadata?.name;
      if (type === 'BOOKMARK' || !name) return;
      notify(name, type === 'DELETED' ? { deleted: true, job: object } : { job: object });
    };
    const onDone = (error: unknown): void => {
      if (current !== mine) return;
      current = undefined;
      if (listeners.size === 0) return;
      countWatchFailure('jobs.batch', error);
      if (error) log.debug({ error: errorMessage(error) }, 'Job watch failed: resync, re-watch');
      resync();
      retryTimer = setTimeout(startWatch, error ? retryMs : 0);
    };
    void new Watch(kubeConfig)
      .watch(
        path,
        {
          labelSelector,
          allowWatchBookmarks: true,
          timeoutSeconds: 300,
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        onEvent,
        onDone,
      )
      .then(
        (controller) => {
          mine.controller = controller;
          if (mine.stopped) controller.abort();
        },
        (error: unknown) => onDone(error),
      );
  };

  const stopIfIdle = (): void => {
    if (listeners.size > 0) return;
    clearInterval(resyncTimer);
    clearTimeout(retryTimer);
    resyncTimer = undefined;
    if (current) {
      current.stopped = true;
      current.controller?.abort();
      current = undefined;
    }
  };

  return {
    subscribe(name, listener) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      set.add(listener);
      startWatch();
      resyncTimer ??= setInterval(resync, resyncMs);
      void read(name);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(name) === set) listeners.delete(name);
        stopIfIdle();
      };
    },
  };
}
