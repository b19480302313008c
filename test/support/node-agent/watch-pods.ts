import { Watch, type CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

/** Callbacks of the node agent's one Pod watch. */
export interface PodWatchHandlers {
  /** A Pod was added or changed (or seen in a relist). */
  readonly onPod: (pod: V1Pod) => void;
  /** A Pod is gone (a DELETED event, or missing from a relist). */
  readonly onGone: (pod: V1Pod) => void;
  readonly log: (msg: string) => void;
}

/**
 * Lists every Pod, then watches from the list's resourceVersion (with bookmarks), resuming
 * from the last version seen when a watch ends; a 410 Gone (or any failure) relists, and Pods
 * missing from the new list are reported gone. Objects from the watch are plain JSON (times
 * are strings): handlers read only what does not depend on that. Returns the stop function.
 */
export function watchPods(
  kubeConfig: KubeConfig,
  core: CoreV1Api,
  handlers: PodWatchHandlers,
): { synced: Promise<void>; stop: () => void } {
  const watch = new Watch(kubeConfig);
  const known = new Map<string, V1Pod>();
  let resourceVersion = '';
  let stopped = false;
  let current: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let markSynced: () => void = () => undefined;
  const synced = new Promise<void>((r) => (markSynced = r));

  const later = (fn: () => void, ms: number): void => {
    if (!stopped) timer = setTimeout(fn, ms);
  };
  const relist = async (): Promise<void> => {
    if (stopped) return;
    try {
      const list = await core.listPodForAllNamespaces();
      resourceVersion = list.metadata?.resourceVersion ?? '';
      const seen = new Set<string>();
      for (const pod of list.items) {
        const uid = pod.metadata?.uid ?? '';
        seen.add(uid);
        known.set(uid, pod);
        handlers.onPod(pod);
      }
      for (const [uid, pod] of known) {
        if (seen.has(uid)) continue;
        known.delete(uid);
        handlers.onGone(pod);
      }
      markSynced();
      startWatch();
    } catch (e) {
      handlers.log(`cannot list pods, retrying: ${String(e)}`);
      later(() => void relist(), 1000);
    }
  };
  const startWatch = (): void => {
    if (stopped) return;
    let needRelist = false;
    watch
      .watch(
        '/api/v1/pods',
        { allowWatchBookmarks: true, resourceVersion },
        (type: string, object: V1Pod & { code?: number }) => {
          if (type === 'ERROR') {
            needRelist = true; // 410 Gone: the version is too old to resume from
            return;
          }
          resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
          if (type === 'BOOKMARK') return;
          const uid = object.metadata?.uid ?? '';
          if (type === 'DELETED') {
            known.delete(uid);
            handlers.onGone(object);
          } else {
            known.set(uid, object);
            handlers.onPod(object);
          }
        },
        (err: unknown) => {
          if (stopped) return;
          if (err || needRelist) later(() => void relist(), 500);
          else later(startWatch, 0);
        },
      )
      .then(
        (c) => {
          if (stopped) c.abort();
          else current = c;
        },
        (e: unknown) => {
          handlers.log(`cannot watch pods, relisting: ${String(e)}`);
          later(() => void relist(), 1000);
        },
      );
  };
  void relist();
  return {
    synced,
    stop() {
      stopped = true;
      clearTimeout(timer);
      current?.abort();
    },
  };
}
