import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
} from '@kubernetes/client-node';

/** Sends a Pod's status, newest first, one request at a time. */
export interface StatusReporter {
  /** The status changed: send it soon (requests coalesce; the newest state always goes out). */
  report(): void;
  /** Resolves once everything reported so far was sent (or the Pod is gone). */
  flush(): Promise<void>;
  /** True once the API server answered 404: the Pod object no longer exists. */
  readonly gone: boolean;
  /** Sends nothing more (the node agent stops). */
  cancel(): void;
}

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

/**
 * A reporter PATCHing `pods/<name>/status` with a strategic merge patch of `build()` (the
 * kubelet's way: conditions merge by type, so PodScheduled and DisruptionTarget set by others
 * stay). Failures other than 404 are retried after `retryMs`.
 */
export function createStatusReporter(options: {
  core: CoreV1Api;
  namespace: string;
  name: string;
  build: () => object;
  log: (msg: string) => void;
  retryMs?: number;
}): StatusReporter {
  const { core, namespace, name } = options;
  let dirty = false;
  let gone = false;
  let running: Promise<void> | undefined;
  const loop = async (): Promise<void> => {
    while (dirty && !gone) {
      dirty = false;
      const status = options.build();
      try {
        await core.patchNamespacedPodStatus({ namespace, name, body: { status } }, strategic);
      } catch (e) {
        if (e instanceof ApiException && e.code === 404) {
          gone = true;
          break;
        }
        options.log(`pod ${namespace}/${name}: status update failed, retrying: ${String(e)}`);
        dirty = true;
        await new Promise((r) => setTimeout(r, options.retryMs ?? 1000));
      }
    }
  };
  const report = (): void => {
    dirty = true;
    running ??= loop().finally(() => {
      running = undefined;
      if (dirty && !gone) report();
    });
  };
  return {
    report,
    async flush() {
      while (running) await running;
    },
    get gone() {
      return gone;
    },
    cancel() {
      gone = true;
    },
  };
}
