import type { CoreV1Api, V1ConfigMap } from '@kubernetes/client-node';
import { QuickcdError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { EventMutation, StoredEvent } from '../ports/event-store.js';
import type { EventConfigMapCache } from './event-configmap-cache.js';
import { ANNOTATION, configMapToEvent, eventToConfigMap } from './event-configmap.js';
import { apiStatusCode, kubernetesError } from './kubernetes-api-error.js';
import { eventConfigMapName } from './names.js';

const OWN_ANNOTATIONS = new Set<string>(Object.values(ANNOTATION));

/** Our labels and annotations over the stored object's, keeping ones others added. */
function merged(current: V1ConfigMap, wanted: V1ConfigMap): V1ConfigMap {
  const annotations = Object.fromEntries(
    Object.entries(current.metadata?.annotations ?? {}).filter(([k]) => !OWN_ANNOTATIONS.has(k)),
  );
  return {
    ...wanted,
    metadata: {
      ...current.metadata,
      labels: { ...current.metadata?.labels, ...wanted.metadata?.labels },
      annotations: { ...annotations, ...wanted.metadata?.annotations },
    },
  };
}

/**
 * The ConfigMap store's `updateEvent`: a read-modify-write of the event ConfigMap, the write
 * conditional on the resourceVersion read. The read is the cache's copy when it has one (it
 * may be old: then the write is refused with 409), else the API server's; a conflict re-reads
 * from the API server and tries again, up to `maxTries`. A change that changes nothing on a
 * fresh read writes nothing.
 */
export async function updateEventConfigMap(
  options: {
    readonly core: CoreV1Api;
    readonly namespace: string;
    readonly cache: EventConfigMapCache;
    readonly log: Logger;
    readonly maxTries: number;
    /** The ConfigMap as the API server has it now (undefined: none). */
    readonly read: (name: string) => Promise<V1ConfigMap | undefined>;
  },
  repo: string,
  id: string,
  mutate: EventMutation,
): Promise<StoredEvent> {
  const { core, namespace, cache, log, maxTries } = options;
  const name = eventConfigMapName(repo, id);
  let current = cache.get(name);
  let cached = current !== undefined;
  for (let attempt = 1; ; attempt++) {
    current ??= await options.read(name);
    if (current === undefined) {
      throw new QuickcdError(
        'EVENT_NOT_FOUND',
        `Event ${id} of ${repo} is not stored (no ConfigMap "${name}" in namespace "${namespace}")`,
        { repo, eventId: id, name, namespace },
      );
    }
    const before = configMapToEvent(current);
    const updated = mutate(before);
    // Nothing to change, as the API server has it now. (A cached copy is written all the same:
    // a write conditional on its resourceVersion is what tells that it is current.)
    if (updated === before && !cached) return before;
    const body = merged(current, eventToConfigMap({ ...updated, repo, id }));
    try {
      const written = await core.replaceNamespacedConfigMap({ name, namespace, body });
      cache.wrote(written);
      return configMapToEvent(written);
    } catch (error) {
      const status = apiStatusCode(error);
      // A 404 on a cached copy: deleted since; the fresh read says so.
      if ((status === 409 || (status === 404 && cached)) && attempt < maxTries) {
        log.debug({ repo, eventId: id, configMap: name, attempt, status }, 'conflict, retrying');
        cache.forget(name);
        current = undefined;
        cached = false;
        continue;
      }
      throw kubernetesError({ verb: 'update', resource: 'configmaps', namespace, name }, error);
    }
  }
}
