import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { LABEL, MANAGED_BY } from './names.js';
import { countWatchFailure } from './kube-call.js';

export interface WatchEventConfigMapsOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  readonly onChange: () => void;
  /** Changes closer together than this make one call (default 50 ms). */
  readonly debounceMs?: number;
  /** Wait before re-watching after the watch ended or failed (default 1000 ms). */
  readonly restartMs?: number;
}

/**
 * Calls `onChange` soon after any event ConfigMap is added, changed or deleted (by the
 * scheduler, `quickcd retry`, or `kubectl`). The watch is restarted whenever it ends; each
 * (re)start lists the current objects, so nothing changed in between is missed. Returns the
 * function that stops watching.
 */
export function watchEventConfigMaps(options: WatchEventConfigMapsOptions): () => void {
  const { namespace, log, onChange } = options;
  const debounceMs = options.debounceMs ?? 50;
  const restartMs = options.restartMs ?? 1000;
  const watch = new Watch(options.kubeConfig);
  const labelSelector = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=event`;
  let closed = false;
  let current: AbortController | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let restart: NodeJS.Timeout | undefined;
  // Resumed from the last version seen, so a restart does not replay every event ConfigMap.
  let resourceVersion: string | undefined;

  const changed = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      if (!closed) onChange();
    }, debounceMs).unref();
  };

  const start = (): void => {
    if (closed) return;
    watch
      .watch(
        `/api/v1/namespaces/${namespace}/configmaps`,
        {
          labelSelector,
          allowWatchBookmarks: true,
          ...(resourceVersion ? { resourceVersion } : {}),
        },
        (phase, object: { metadata?: { resourceVersion?: string } }) => {
          if (phase === 'ERROR') {
            // 410 Gone: too old to resume; start afresh (and look at everything once).
            countWatchFailure('configmaps', object);
            resourceVersion = undefined;
            changed();
            return;
          }
          resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
          if (phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED') changed();
        },
        (error: unknown) => {
          if (closed) return;
          countWatchFailure('configmaps', error);
          if (error) log.debug({ err: errorMessage(error) }, 'event watch ended; restarting');
          restart = setTimeout(start, restartMs).unref();
        },
      )
      .then(
        (controller) => {
          if (closed) controller.abort();
          else current = controller;
        },
        (error: unknown) => {
          if (closed) return;
          countWatchFailure('configmaps', error);
          log.warn({ err: errorMessage(error) }, 'cannot watch event ConfigMaps; retrying');
          restart = setTimeout(start, restartMs).unref();
        },
      );
  };
  start();

  return () => {
    closed = true;
    clearTimeout(debounce);
    clearTimeout(restart);
    current?.abort();
  };
}
