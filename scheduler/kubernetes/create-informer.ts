import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesObject,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { countWatchFailure, kubeCall } from './kube-call.js';

export interface Informer<T extends KubernetesObject> {
  /** The cached object, if the informer has it (a miss proves nothing: it may lag). */
  get(name: string): T | undefined;
  list(): readonly T[];
  /**
   * Listed and watching, with no error since: its cache is as fresh as a watch makes it (still
   * behind the API server by a watch event; never a reason to skip a conditional write).
   */
  synced(): boolean;
  /** Starts listing and watching (once; later calls return the same promise). */
  start(): Promise<void>;
  stop(): void;
}

export interface InformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  readonly log: Logger;
  readonly namespace: string;
  /** The collection, e.g. `/apis/batch/v1/namespaces/cd/jobs`. */
  readonly path: string;
  /** Its resource as RBAC names it (`jobs.batch`, `pods`): failures are counted by it. */
  readonly resource: string;
  readonly labelSelector: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  /** Told of every add and update (the object as it is now) and every delete (its last state). */
  readonly onChange: (object: T, deleted: boolean) => void;
  /** Pause before listing and watching again after an error (default 1 s). */
  readonly retryMs?: number;
}

/**
 * client-node's informer (`makeInformer`'s ListWatch: list, then watch from the list's resourceVersion;
 * a watch that ends is resumed from the last version seen, and a 410 Gone makes it list again,
 * telling which objects went meanwhile), plus what it leaves to its user: after any other
 * error (a refused list, a dropped connection that fails to resume) it stops, so it is started
 * again here after a pause. There is no periodic re-list: a resync is the reconciler's periodic
 * pass over the cache, as in controller-runtime.
 */
export function createInformer<T extends KubernetesObject>(
  options: InformerOptions<T>,
): Informer<T> {
  const { log, path } = options;
  const retryMs = options.retryMs ?? 1000;
  // What makeInformer makes, typed with its cache (makeInformer's type hides get and list).
  const informer = new ListWatch<T>(
    path,
    new Watch(options.kubeConfig),
    () => kubeCall('list', options.resource, options.list),
    false,
    options.labelSelector,
  );
  let started: Promise<void> | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  // Errors seen: a (re)start that ends with none since it began has listed and watches.
  let errors = 0;
  let healthy = false;
  const begin = (): Promise<void> => {
    const before = errors;
    return informer.start().then(() => {
      healthy = !stopped && errors === before;
    });
  };
  informer.on('add', (o) => options.onChange(o, false));
  informer.on('update', (o) => options.onChange(o, false));
  informer.on('delete', (o) => options.onChange(o, true));
  informer.on('error', (error: unknown) => {
    if (stopped) return;
    errors++;
    healthy = false;
    countWatchFailure(options.resource, error);
    log.debug({ path, err: error }, 'watch failed: listing and watching again');
    clearTimeout(retry);
    retry = setTimeout(() => {
      if (!stopped) void begin();
    }, retryMs);
    retry.unref();
  });
  return {
    // A stopped informer's cache is not kept up to date: it answers nothing.
    get: (name) => (started ? informer.get(name, options.namespace) : undefined),
    list: () => (started ? informer.list(options.namespace) : []),
    synced: () => started !== undefined && healthy,
    start() {
      stopped = false;
      started ??= begin();
      return started;
    },
    stop() {
      stopped = true;
      healthy = false;
      started = undefined;
      clearTimeout(retry);
      void informer.stop();
    },
  };
}
