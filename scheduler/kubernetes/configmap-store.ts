import {
  CoreV1Api,
  setHeaderOptions,
  type KubeConfig,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { collectGarbage } from '../../common/collect-garbage.js';
import { QuickcdError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { compareEventIds } from '../../handlers/event.js';
import type { Cursor } from '../cursor.js';
import type {
  EventFilter,
  EventStore,
  StoredEvent,
  StoredEventState,
} from '../ports/event-store.js';
import { apiStatusCode, kubernetesError, type KubeCall } from './kubernetes-api-error.js';
import { configMapToCursor, cursorToConfigMap } from './configmap-cursor.js';
import { watchEventConfigMaps } from './watch-event-configmaps.js';
import {
  ANNOTATION,
  configMapToEvent,
  configMapToEventState,
  eventToConfigMap,
} from './event-configmap.js';
import { LABEL, MANAGED_BY, cursorConfigMapName, eventConfigMapName, repoLabel } from './names.js';

export interface ConfigMapStoreOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  /** Accepted like the file store's; this store itself stamps no times (callers do). */
  readonly now?: () => Date;
  /** Tries of a read-modify-write before giving up on conflicts (default 10). */
  readonly maxConflictRetries?: number;
}

const LIST_PAGE = 250;
/**
 * A long list collects its garbage every this many pages: the pages' response buffers live
 * outside V8's heap, which does not count them towards a collection soon, so across 40 pages
 * (10,000 events) they piled up to ~35 MB and left the process's malloc heap that large for
 * good (fragmented); collected every 5 pages it stays within a few MB (bench/RESULTS.md).
 */
const COLLECT_EVERY_PAGES = 5;
const EVENT_SELECTOR = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=event`;
const OWN_ANNOTATIONS = new Set<string>(Object.values(ANNOTATION));
/** Asks the API server for the objects' metadata only (a PartialObjectMetadataList). */
const METADATA_ONLY = setHeaderOptions(
  'Accept',
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
);

/**
 * The event store on ConfigMaps: one per event (`quickcd-<owner>-<repo>-<id>`, labelled so
 * `kubectl get cm -l quickcd.dev/status=failed` works) and one cursor per repository. Updates
 * are read-modify-write with the resourceVersion; a conflict re-reads and retries.
 */
export function createConfigMapStore(options: ConfigMapStoreOptions): EventStore {
  const { namespace, log } = options;
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const maxTries = options.maxConflictRetries ?? 10;

  async function call<T>(what: KubeCall, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw kubernetesError(what, error);
    }
  }
  /** Runs `run`; a 404 gives undefined instead of an error. */
  async function orMissing<T>(what: KubeCall, run: () => Promise<T>): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      if (apiStatusCode(error) === 404) return undefined;
      throw kubernetesError(what, error);
    }
  }
  const read = (name: string) =>
    orMissing({ verb: 'get', resource: 'configmaps', namespace, name }, () =>
      core.readNamespacedConfigMap({ name, namespace }),
    );

  /**
   * Lists page by page (LIST_PAGE at a time), handing each page to `visit`; with `metadataOnly`
   * the ConfigMaps come without their data.
   */
  async function list(
    labelSelector: string,
    visit: (items: V1ConfigMap[]) => void,
    metadataOnly = false,
  ): Promise<void> {
    let next: string | undefined;
    let pages = 0;
    do {
      const page = await call({ verb: 'list', resource: 'configmaps', namespace }, () =>
        core.listNamespacedConfigMap(
          {
            namespace,
            labelSelector,
            limit: LIST_PAGE,
            ...(next ? { _continue: next } : {}),
          },
          metadataOnly ? METADATA_ONLY : undefined,
        ),
      );
      // A metadata-only list answers `items: null` when nothing matches.
      visit(page.items ?? []);
      if (++pages % COLLECT_EVERY_PAGES === 0) collectGarbage();
      next = page.metadata?._continue || undefined;
    } while (next);
  }

  // A corrupt event ConfigMap is skipped by dispatch (the others go on), reported once per
  // version of it.
  const reported = new Set<string>();
  function reportCorrupt(cm: V1ConfigMap, error: QuickcdError): void {
    const key = `${cm.metadata?.name ?? ''}@${cm.metadata?.resourceVersion ?? ''}`;
    if (reported.has(key)) return;
    reported.add(key);
    log.error({ err: error, configMap: cm.metadata?.name }, 'skipped a corrupt event ConfigMap');
  }

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

  /** The label selector of `filter`; undefined when nothing can match. */
  function selectorOf(filter: EventFilter): string | undefined {
    let selector = EVENT_SELECTOR;
    if (filter.repo !== undefined) selector += `,${LABEL.repo}=${repoLabel(filter.repo)}`;
    if (filter.status !== undefined) {
      if (filter.status.length === 0) return undefined;
      selector += `,${LABEL.status} in (${filter.status.join(',')})`;
    }
    return selector;
  }

  /** The matching events' states from a metadata-only list (see EventStore.scanEventStates). */
  async function scanStates(
    filter: EventFilter,
    visit: (state: StoredEventState) => void,
  ): Promise<void> {
    const selector = selectorOf(filter);
    if (selector === undefined) return;
    await list(
      selector,
      (items) => {
        for (const cm of items) {
          let state: StoredEventState;
          try {
            state = configMapToEventState(cm);
          } catch (error) {
            if (!(error instanceof QuickcdError) || error.code !== 'STORE_CORRUPT') throw error;
            reportCorrupt(cm, error);
            continue;
          }
          if (filter.repo === undefined || state.repo === filter.repo) visit(state);
        }
      },
      true,
    );
  }

  /** The matching events, a page of ConfigMaps at a time (see EventStore.scanEvents). */
  async function scan(filter: EventFilter, visit: (event: StoredEvent) => void): Promise<void> {
    const selector = selectorOf(filter);
    if (selector === undefined) return;
    await list(selector, (items) => {
      for (const cm of items) {
        let event: StoredEvent;
        try {
          event = configMapToEvent(cm);
        } catch (error) {
          if (!(error instanceof QuickcdError) || error.code !== 'STORE_CORRUPT') throw error;
          reportCorrupt(cm, error);
          continue;
        }
        if (filter.repo === undefined || event.repo === filter.repo) visit(event);
      }
    });
  }

  return {
    async putEvent(event) {
      const body = eventToConfigMap(event);
      const name = body.metadata?.name ?? '';
      try {
        await core.createNamespacedConfigMap({ namespace, body });
      } catch (error) {
        if (apiStatusCode(error) === 409) return false;
        throw kubernetesError({ verb: 'create', resource: 'configmaps', namespace, name }, error);
      }
      const problem = body.metadata?.annotations?.[ANNOTATION.problem];
      if (problem !== undefined && problem !== event.problem) {
        log.error({ repo: event.repo, eventId: event.id, configMap: name, problem }, problem);
      }
      return true;
    },

    async getEvent(id, repo) {
      if (repo !== undefined) {
        const cm = await read(eventConfigMapName(repo, id));
        return cm === undefined ? undefined : configMapToEvent(cm);
      }
      const found: V1ConfigMap[] = [];
      await list(`${EVENT_SELECTOR},${LABEL.eventId}=${id}`, (items) => found.push(...items));
      return found[0] === undefined ? undefined : configMapToEvent(found[0]);
    },

    async listEvents(filter: EventFilter = {}) {
      const events: StoredEvent[] = [];
      await scan(filter, (event) => void events.push(event));
      return events.sort((a, b) => compareEventIds(a.id, b.id) || a.repo.localeCompare(b.repo));
    },

    scanEvents: scan,
    scanEventStates: scanStates,

    async updateEvent(repo, id, mutate) {
      const name = eventConfigMapName(repo, id);
      for (let attempt = 1; ; attempt++) {
        const current = await read(name);
        if (current === undefined) {
          throw new QuickcdError(
            'EVENT_NOT_FOUND',
            `Event ${id} of ${repo} is not stored (no ConfigMap "${name}" in namespace "${namespace}")`,
            { repo, eventId: id, name, namespace },
          );
        }
        const updated = mutate(configMapToEvent(current));
        const body = merged(current, eventToConfigMap({ ...updated, repo, id }));
        try {
          const written = await core.replaceNamespacedConfigMap({ name, namespace, body });
          return configMapToEvent(written);
        } catch (error) {
          if (apiStatusCode(error) === 409 && attempt < maxTries) {
            log.debug({ repo, eventId: id, configMap: name, attempt }, 'conflict, retrying');
            continue;
          }
          throw kubernetesError({ verb: 'update', resource: 'configmaps', namespace, name }, error);
        }
      }
    },

    async deleteEvent(repo, id) {
      const name = eventConfigMapName(repo, id);
      await orMissing({ verb: 'delete', resource: 'configmaps', namespace, name }, () =>
        core.deleteNamespacedConfigMap({ name, namespace, propagationPolicy: 'Background' }),
      );
    },

    async getCursor(repo) {
      const cm = await read(cursorConfigMapName(repo));
      return cm === undefined ? undefined : configMapToCursor(cm);
    },

    async putCursor(repo: string, cursor: Cursor) {
      const body = cursorToConfigMap(repo, cursor);
      const name = body.metadata?.name ?? '';
      for (let attempt = 1; ; attempt++) {
        // An unconditional replace (no resourceVersion): the last writer wins, as it should.
        const replaced = await orMissing(
          { verb: 'update', resource: 'configmaps', namespace, name },
          () => core.replaceNamespacedConfigMap({ name, namespace, body }),
        );
        if (replaced !== undefined) return;
        try {
          await core.createNamespacedConfigMap({ namespace, body });
          return;
        } catch (error) {
          // Created meanwhile by someone else: replace it.
          if (apiStatusCode(error) === 409 && attempt < maxTries) continue;
          throw kubernetesError({ verb: 'create', resource: 'configmaps', namespace, name }, error);
        }
      }
    },

    subscribe(onChange) {
      return watchEventConfigMaps({ kubeConfig: options.kubeConfig, namespace, log, onChange });
    },
  } satisfies EventStore;
}
