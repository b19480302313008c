import type { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from '../../common/logger.js';
import { JOB_HANDLERS_ANNOTATION } from './job-manifest.js';
import { apiStatusCode, kubernetesError, type KubeCall } from './kubernetes-api-error.js';
import { LABEL, MANAGED_BY, labelValue } from './names.js';

export interface PruneHandlersOptions {
  readonly core: CoreV1Api;
  readonly batch: BatchV1Api;
  readonly namespace: string;
  /** This scheduler (its Lease name), as given to publishHandlers. */
  readonly scheduler: string;
  /** The handlers ConfigMap this scheduler publishes now: never deleted. */
  readonly current: string;
  readonly log: Logger;
}

export interface PruneHandlersResult {
  readonly deleted: readonly string[];
}

const PAGE = 250;

/** Every item of a paginated list call. */
async function listAll<T>(
  call: KubeCall,
  page: (next: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    let result;
    try {
      result = await page(next);
    } catch (error) {
      throw kubernetesError(call, error);
    }
    items.push(...result.items);
    next = result.metadata?._continue || undefined;
  } while (next);
  return items;
}

/**
 * Deletes the handlers ConfigMaps this scheduler published earlier (`quickcd-handlers-<hash>`,
 * labelled with its name) that are not the current one and that no existing Job mounts (the
 * Job's `quickcd.dev/handlers` annotation). Run by the leader only, so no Job of this scheduler
 * can be launched with an old ConfigMap meanwhile. A failed delete is logged; the rest go on.
 */
export async function pruneHandlers(options: PruneHandlersOptions): Promise<PruneHandlersResult> {
  const { core, batch, namespace, scheduler, current, log } = options;
  const published = await listAll({ verb: 'list', resource: 'configmaps', namespace }, (next) =>
    core.listNamespacedConfigMap({
      namespace,
      labelSelector: `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=handlers,${LABEL.scheduler}=${labelValue(scheduler)}`,
      limit: PAGE,
      ...(next ? { _continue: next } : {}),
    }),
  );
  const old = published
    .map((cm) => cm.metadata?.name ?? '')
    .filter((name) => name !== '' && name !== current);
  if (old.length === 0) return { deleted: [] };

  const jobs = await listAll({ verb: 'list', resource: 'jobs.batch', namespace }, (next) =>
    batch.listNamespacedJob({
      namespace,
      labelSelector: `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=run`,
      limit: PAGE,
      ...(next ? { _continue: next } : {}),
    }),
  );
  const inUse = new Set(jobs.map((job) => job.metadata?.annotations?.[JOB_HANDLERS_ANNOTATION]));
  const deleted: string[] = [];
  for (const name of old.filter((n) => !inUse.has(n))) {
    try {
      await core.deleteNamespacedConfigMap({ namespace, name });
      deleted.push(name);
    } catch (error) {
      if (apiStatusCode(error) === 404) continue;
      log.warn(
        {
          configMap: name,
          err: kubernetesError({ verb: 'delete', resource: 'configmaps', namespace, name }, error),
        },
        'cannot delete an old handlers ConfigMap',
      );
    }
  }
  if (deleted.length > 0) log.info({ configMaps: deleted }, 'pruned old handlers ConfigMaps');
  return { deleted };
}
