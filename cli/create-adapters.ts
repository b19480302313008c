import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HandlersBundle } from '../handlers/bundle-handlers.js';
import { requireStateDir } from './require-state-dir.js';
import type { Config, Env } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import { createFileStore } from '../scheduler/file-store.js';
import type { KubeTarget } from '../scheduler/kubernetes/create-kube-config.js';
import type { PublishedHandlers } from '../scheduler/kubernetes/publish-handlers.js';
import { createLocalExecutor } from '../scheduler/local-executor.js';
import type { KubeEventRecorder } from '../scheduler/kubernetes/record-kube-event.js';
import type { Clock } from '../common/clock.js';
import type { HistoryKeeper } from '../scheduler/kubernetes/create-history-keeper.js';
import type { EventConfigMapCache } from '../scheduler/kubernetes/event-configmap-cache.js';
import type { RunInformers } from '../scheduler/kubernetes/run-informers.js';
import { writeHandlersBundle } from '../scheduler/write-handlers-bundle.js';
import { createLockFileLeadership } from '../scheduler/lock-file-leadership.js';
import type { EventStore } from '../scheduler/ports/event-store.js';
import type { Executor } from '../scheduler/ports/executor.js';
import type { Leadership } from '../scheduler/ports/leadership.js';

/**
 * The adapters chosen by `--store` and `--executor` (design, "Ports"): ConfigMaps, a Lease and
 * Jobs in a cluster by default; a state directory and local child processes when embedded.
 * The cluster is resolved once and only when a Kubernetes adapter is chosen, and the Kubernetes
 * client is loaded only then.
 */
export async function createAdapters(
  config: Config,
  log: Logger,
  { operator = false }: { readonly operator?: boolean } = {},
) {
  const k8s =
    config.store === 'kubernetes' || config.executor === 'kubernetes'
      ? await import('./kubernetes-adapters.js')
      : undefined;
  /** The Kubernetes modules: only reached when a Kubernetes adapter is chosen. */
  const k = () => {
    if (!k8s) throw new Error('quickcd: a Kubernetes adapter was used but none was chosen');
    return k8s;
  };
  let target: KubeTarget | undefined;
  let published: PublishedHandlers | undefined;
  const kube = () => {
    target ??= k().createKubeConfig(config);
    return target;
  };
  // One informer of each kind, shared: the open event ConfigMaps (the store, and the uids the
  // executor, history keeper and Event recorder need) and the run Jobs and Pods (every
  // executor made on a handlers reload, and the history keeper).
  let eventCache: EventConfigMapCache | undefined;
  const eventCacheOf = () => (eventCache ??= k().createEventConfigMapCache({ ...kube(), log }));
  const eventConfigMaps = () =>
    config.store === 'kubernetes' ? { eventConfigMaps: eventCacheOf() } : {};
  let runInformers: RunInformers | undefined;
  const runs = () => {
    runInformers ??= k().createRunInformers({ ...kube(), log });
    return runInformers;
  };
  const stateDir = resolve(config.stateDir);
  // The scheduler creates its state directory; an operator command only reads or changes one.
  if (operator) {
    if (config.store === 'file') requireStateDir(stateDir);
  } else if (config.store === 'file' || config.executor === 'local') {
    mkdirSync(stateDir, { recursive: true });
  }

  return {
    describe(): string {
      const where =
        config.store === 'file'
          ? `state dir ${stateDir}`
          : `namespace ${kube().namespace} (${kube().source})`;
      return `store ${config.store}, executor ${config.executor}, ${where}`;
    },

    /** Fails fast when a Kubernetes adapter is chosen and its cluster does not answer. */
    async checkCluster(): Promise<void> {
      if (config.store === 'kubernetes' || config.executor === 'kubernetes') {
        await k().checkCluster(kube());
      }
    },

    store(): EventStore {
      if (config.store === 'file') return createFileStore({ stateDir, create: !operator, log });
      const { kubeConfig, namespace } = kube();
      return k().createConfigMapStore({
        kubeConfig,
        namespace,
        log,
        cache: eventCacheOf(),
      });
    },

    leadership(): Leadership {
      if (config.store === 'file') {
        return createLockFileLeadership({ stateDir, identity: config.identity, log });
      }
      const { kubeConfig, namespace } = kube();
      return k().createLeaseLeadership({
        kubeConfig,
        namespace,
        name: config.leaseName,
        identity: config.identity,
        leaseDurationSeconds: config.leaseDurationSeconds,
        log,
      });
    },

    /** The executor that runs `bundle` (what this scheduler loaded) under every executor. */
    async executor(bundle: HandlersBundle, env: Env): Promise<Executor> {
      if (config.executor === 'local') {
        const handlersFile = await writeHandlersBundle(join(stateDir, 'handlers'), bundle);
        // The runner trusts what this scheduler trusts, whatever env it was given.
        const runnerEnv = {
          ...env,
          QUICKCD_TRUSTED_ASSOCIATIONS: config.trustedAssociations.join(','),
        };
        return createLocalExecutor({ stateDir, handlersFile, env: runnerEnv, log, spare: true });
      }
      const { kubeConfig, namespace } = kube();
      // The Jobs run exactly the handlers bundle this scheduler loaded.
      const handlers = await k().publishHandlers({
        core: kubeConfig.makeApiClient(k().CoreV1Api),
        namespace,
        file: bundle.entry,
        bundle,
        scheduler: config.leaseName,
        log,
      });
      published = handlers;
      return k().createJobExecutor({
        kubeConfig,
        namespace,
        config,
        handlers,
        log,
        runs: runs(),
        ...eventConfigMaps(),
      });
    },

    /**
     * Deletes the handlers ConfigMaps this scheduler published before that no Job mounts any
     * more (Kubernetes executor, after executor() published the current one; the leader calls
     * it with its other pruning). Nothing to do for the local executor.
     */
    async pruneExecutor(): Promise<void> {
      if (config.executor === 'local' || published === undefined) return;
      const { kubeConfig, namespace } = kube();
      await k().pruneHandlers({
        core: kubeConfig.makeApiClient(k().CoreV1Api),
        batch: kubeConfig.makeApiClient(k().BatchV1Api),
        namespace,
        scheduler: config.leaseName,
        current: published.name,
        log,
      });
    },

    /** The handlers ConfigMap the Jobs mount now (the Kubernetes executor, after executor()). */
    handlersConfigMap(): string | undefined {
      return published?.name;
    },

    /** Each run's result and output tail kept with its event (the Job executor only). */
    history(clock: Clock, redact: (text: string) => string): HistoryKeeper | undefined {
      if (config.executor !== 'kubernetes' || config.store !== 'kubernetes') return undefined;
      const { kubeConfig, namespace } = kube();
      return k().createHistoryKeeper({
        kubeConfig,
        namespace,
        log,
        clock,
        redact,
        runs: runs(),
        ...eventConfigMaps(),
      });
    },

    /** Kubernetes Events on the event ConfigMaps (the ConfigMap store only). */
    kubeEvents(clock: Clock, redact: (text: string) => string): KubeEventRecorder | undefined {
      if (config.store !== 'kubernetes') return undefined;
      const { kubeConfig, namespace } = kube();
      return k().createKubeEventRecorder({
        kubeConfig,
        namespace,
        identity: config.identity,
        log,
        clock,
        redact,
        ...eventConfigMaps(),
      });
    },
  };
}
