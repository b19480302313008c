import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { createEventConfigMapCache } from './event-configmap-cache.js';

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
 * `quickcd retry`, or `kubectl`: an {@link createEventConfigMapCache} of its own, subscribed
 * (resumes from the last resourceVersion, lists again after a 410). Returns the function that
 * stops watching.
 */
export function watchEventConfigMaps(options: WatchEventConfigMapsOptions): () => void {
  const { onChange, ...rest } = options;
  return createEventConfigMapCache(rest).subscribe(onChange);
}
