import { CoreV1Api, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { createInformer } from './create-informer.js';
import { LABEL, MANAGED_BY } from './names.js';

/** The statuses of an event that can need work: the ones the cache holds. */
export const OPEN_STATUSES = ['pending', 'running', 'failed'] as const;

export interface EventConfigMapCache {
  /**
   * The newest version of event ConfigMap `name` this process knows (the informer's, or what
   * one of its own writes answered), while the cache runs; a miss proves nothing, and a hit may
   * be behind the API server: only a write conditional on its resourceVersion can rely on it.
   */
  get(name: string): V1ConfigMap | undefined;
  /** The open (pending, running, failed) event ConfigMaps, when the cache is synced; else undefined. */
  open(): V1ConfigMap[] | undefined;
  /** The uid of event ConfigMap `name`, if this process has seen it (also once it left the open set). */
  uid(name: string): string | undefined;
  /** What a create or update of an event ConfigMap answered: newer than the cache until it sees it. */
  wrote(configMap: V1ConfigMap): void;
  /** Drops what this process wrote of `name` (a conflict or a 404 proved it old). */
  forget(name: string): void;
  /**
   * Runs the informer and calls `onChange` (debounced) after each change of an open event
   * ConfigMap; returns the unsubscribe function (the informer stops with the last one).
   */
  subscribe(onChange: () => void): () => void;
}

export interface EventConfigMapCacheOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  /** Changes closer together than this make one call (default 50 ms). */
  readonly debounceMs?: number;
  /** Wait before listing and watching again after an error (default 1000 ms). */
  readonly restartMs?: number;
}

/** An own write the informer has not shown after this long is dropped (the informer wins). */
const WRITTEN_TTL_MS = 60_000;
/** Uids remembered (by name, oldest dropped first). */
const MAX_UIDS = 2000;

/**
 * An object as the watch delivered it (JSON: times are strings) as the typed clients give it
 * (times are Dates, which their serializer expects when it is written back); managedFields
 * left out (an update without them keeps the stored ones).
 */
function typed(cm: V1ConfigMap | undefined): V1ConfigMap | undefined {
  const m = cm?.metadata;
  if (!cm || !m) return cm;
  const { managedFields: _managed, creationTimestamp, deletionTimestamp, ...rest } = m;
  const date = (t: Date | string) => (typeof t === 'string' ? new Date(t) : t);
  return {
    ...cm,
    metadata: {
      ...rest,
      ...(creationTimestamp ? { creationTimestamp: date(creationTimestamp) } : {}),
      ...(deletionTimestamp ? { deletionTimestamp: date(deletionTimestamp) } : {}),
    },
  };
}

const version = (cm: V1ConfigMap | undefined) => cm?.metadata?.resourceVersion ?? '';
/** Whether resourceVersion `a` is at least `b` (etcd's are integers; others: only if equal). */
const atLeast = (a: string, b: string) =>
  a === b || (/^\d+$/.test(a) && /^\d+$/.test(b) && BigInt(a) > BigInt(b));

/**
 * One informer on the open event ConfigMaps (`quickcd.dev/status in (pending,running,failed)`:
 * memory does not grow with history), shared by the ConfigMap store (its reads before writes
 * and the dispatcher's list of open events), the Job executor (the event's uid for the Job's
 * ownerReference), the run-history keeper and the Kubernetes Event recorder (uids). The
 * scheduler's own writes are kept until the informer shows them, so a pass right after a
 * write does not act on the version before it.
 */
export function createEventConfigMapCache(
  options: EventConfigMapCacheOptions,
): EventConfigMapCache {
  const { namespace, log } = options;
  const debounceMs = options.debounceMs ?? 50;
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector =
    `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=event,` +
    `${LABEL.status} in (${OPEN_STATUSES.join(',')})`;
  const listeners = new Set<() => void>();
  const written = new Map<string, { configMap: V1ConfigMap; at: number }>();
  const uids = new Map<string, string>();
  let debounce: NodeJS.Timeout | undefined;

  const remember = (cm: V1ConfigMap) => {
    const name = cm.metadata?.name;
    const uid = cm.metadata?.uid;
    if (!name || !uid || uids.get(name) === uid) return;
    uids.delete(name);
    uids.set(name, uid);
    if (uids.size > MAX_UIDS) uids.delete(uids.keys().next().value as string);
  };
  const changed = (): void => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      for (const listener of [...listeners]) listener();
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
    onChange: (cm) => {
      remember(cm);
      const name = cm.metadata?.name ?? '';
      const own = written.get(name);
      if (own && atLeast(version(cm), version(own.configMap))) written.delete(name);
      changed();
    },
    ...(options.restartMs === undefined ? {} : { retryMs: options.restartMs }),
  });

  /** Own writes not yet shown by the informer (those older than the TTL dropped). */
  const pending = () => {
    const now = Date.now();
    for (const [name, w] of written) if (now - w.at > WRITTEN_TTL_MS) written.delete(name);
    return written;
  };
  const running = () => listeners.size > 0;

  return {
    get(name) {
      if (!running()) return undefined;
      return pending().get(name)?.configMap ?? typed(informer.get(name));
    },
    open() {
      if (!running() || !informer.synced()) return undefined;
      const own = pending();
      const isOpen = (cm: V1ConfigMap) =>
        (OPEN_STATUSES as readonly string[]).includes(cm.metadata?.labels?.[LABEL.status] ?? '');
      const fromInformer = informer
        .list()
        .filter((cm) => !own.has(cm.metadata?.name ?? ''))
        .map((cm) => typed(cm) ?? cm);
      return [...fromInformer, ...[...own.values()].map((w) => w.configMap).filter(isOpen)];
    },
    uid(name) {
      return uids.get(name);
    },
    wrote(configMap) {
      remember(configMap);
      const name = configMap.metadata?.name;
      if (!running() || !name) return;
      const seen = informer.get(name);
      if (seen && atLeast(version(seen), version(configMap))) return;
      written.set(name, { configMap, at: Date.now() });
    },
    forget(name) {
      written.delete(name);
    },
    subscribe(onChange) {
      listeners.add(onChange);
      void informer.start();
      return () => {
        listeners.delete(onChange);
        if (listeners.size > 0) return;
        clearTimeout(debounce);
        informer.stop();
        written.clear();
      };
    },
  };
}
