import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { createInformer } from './create-informer.js';
import { LABEL, MANAGED_BY } from './names.js';

export interface WatchEventConfigMapsOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  readonly onChange: () => void;
  /** Changes closer together than this make one call (default 50 ms). */
  readonly debounceMs?: number;
  /** Wait before listing and watching again after an error (default 1000 ms). */
  readonly restartMs?: number;
}

/**
 * Calls `onChange` soon after an event ConfigMap that can need work (pending, running or
 * failed) is added, changed, or leaves that set (handled, skipped, deleted) — by the scheduler,
 * `quickcd retry`, or `kubectl`. One informer (see createInformer: resumes from the last
 * resourceVersion, lists again after a 410); only open events are cached, so memory does not
 * grow with history. Returns the function that stops watching.
 */
export function watchEventConfigMaps(options: WatchEventConfigMapsOptions): () => void {
  const { namespace, log, onChange } = options;
  const debounceMs = options.debounceMs ?? 50;
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector =
    `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=event,` +
    `${LABEL.status} in (pending,running,failed)`;
  let closed = false;
  let debounce: NodeJS.Timeout | undefined;
  const changed = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      if (!closed) onChange();
    }, debounceMs).unref();
  };
  const informer = createInformer<V1ConfigMap>({
    kubeConfig: options.kubeConfig,
    log,
    namespace,
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
    resource: 'configmaps',
    labelSelector,
    list: () => core.listNamespacedConfigMap({ namespace, labelSelector }),
    onChange: changed,
    ...(options.restartMs === undefined ? {} : { retryMs: options.restartMs }),
  });
  void informer.start();
  return () => {
    closed = true;
    clearTimeout(debounce);
    informer.stop();
  };
}
