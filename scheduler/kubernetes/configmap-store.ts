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
import {
  OPEN_STATUSES,
  createEventConfigMapCache,
  type EventConfigMapCache,
} from './event-configmap-cache.js';
import {
  ANNOTATION,
  configMapToEvent,
  configMapToEventState,
  eventToConfigMap,
} from './event-configmap.js';
import { updateEventConfigMap } from './update-event-configmap.js';
import { LABEL, MANAGED_BY, cursorConfigMapName, eventConfigMapName, repoLabel } from './names.js';

export interface ConfigMapStoreOptions {
  readonly kubeConfig: KubeConfig;
  readonly namespace: string;
  readonly log: Logger;
  /** Accepted like the file store's; this store itself stamps no times (callers do). */
  readonly now?: () => Date;
  /** Tries of a read-modify-write before giving up on conflicts (default 10). */
  readonly maxConflictRetries?: number;
  /** The informer on the open event ConfigMaps (shared with the Job executor); default: its own. */
  readonly cache?: EventConfigMapCache;
}

const LIST_PAGE = 250;
/**
 * The open events are listed from the cache, but from the API server at least this often (the
 * scheduler's resync period): a watch that went silent without an error is not the record.
 */
const FRESH_LIST_MS = 5 * 60_000;
/**
 * A long list collects its garbage every this many pages: the pages' response buffers live
 * outside V8's heap, which does not count them towards a collection soon, so across 40 pages
 * (10,000 events) they piled up to ~35 MB and left the process's malloc heap that large for
 * good (fragmented); collected every 5 pages it stays within a few MB (bench/RESULTS.md).
 */
const COLLECT_EVERY_PAGES = 5;
const EVENT_SELECTOR = `${LABEL.managedBy}=${MANAGED_BY},${LABEL.kind}=event`;
/** Asks the API server for the objects' metadata only (a PartialObjectMetadataList). */
const METADATA_ONLY = setHeaderOptions(
  'Accept',
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1',
);

/**
 * The event store on ConfigMaps: one per event (`quickcd-<owner>-<repo>-<id>`, labelled so
 * `kubectl get cm -l quickcd.dev/status=failed` works) and one cursor per repository. Updates
 * are read-modify-write with the resourceVersion; a conflict re-reads and retries. While it is
 * subscribed (the scheduler, while it leads), an informer on the open events answers the read
 * of a read-modify-write and the list of open events: a stale copy costs a 409 and a fresh
 * read, never a wrong write.
 */
export function createConfigMapStore(options: ConfigMapStoreOptions): EventStore {
  const { namespace, log } = options;
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const maxTries = options.maxConflictRetries ?? 10;
  const now = options.now ?? (() => new Date());
  const cache =
    options.cache ?? createEventConfigMapCache({ kubeConfig: options.kubeConfig, namespace, log });
  let listedAt: number | undefined;

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

  /**
   * Parses each of `items` with `parse` (a corrupt one reported and skipped) and visits those of
   * `repo` if given.
   */
  function visitAll<T extends { readonly repo: string }>(
    items: readonly V1ConfigMap[],
    repo: string | undefined,
    parse: (cm: V1ConfigMap) => T,
    visit: (parsed: T) => void,
  ): void {
    for (const cm of items) {
      let parsed: T;
      try {
        parsed = parse(cm);
      } catch (error) {
        if (!(error instanceof QuickcdError) || error.code !== 'STORE_CORRUPT') throw error;
        reportCorrupt(cm, error);
        continue;
      }
      if (repo === undefined || parsed.repo === repo) visit(parsed);
    }
  }

  /** The open events matching `filter` from the cache, when it may answer (else undefined). */
  function fromCache(filter: EventFilter): V1ConfigMap[] | undefined {
    const statuses = filter.status;
    if (statuses === undefined || statuses.length === 0) return undefined;
    if (!statuses.every((s) => (OPEN_STATUSES as readonly string[]).includes(s))) return undefined;
    if (listedAt === undefined || now().getTime() - listedAt >= FRESH_LIST_MS) return undefined;
    return cache.open()?.filter((cm) => {
      const labels = cm.metadata?.labels ?? {};
      return (
        (statuses as readonly string[]).includes(labels[LABEL.status] ?? '') &&
        (filter.repo === undefined || labels[LABEL.repo] === repoLabel(filter.repo))
      );
    });
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
      (items) => visitAll(items, filter.repo, configMapToEventState, visit),
      true,
    );
  }

  /** The matching events, a page of ConfigMaps at a time (see EventStore.scanEvents). */
  async function scan(filter: EventFilter, visit: (event: StoredEvent) => void): Promise<void> {
    const cached = fromCache(filter);
    if (cached) return visitAll(cached, filter.repo, configMapToEvent, visit);
    const started = now().getTime();
    const open = OPEN_STATUSES.every(
      (s) => filter.status === undefined || filter.status.includes(s),
    );
    const selector = selectorOf(filter);
    if (selector === undefined) return;
    await list(selector, (items) => visitAll(items, filter.repo, configMapToEvent, visit));
    // Every open event listed from the API server: the cache answers for a while.
    if (open && filter.repo === undefined && cache.open() !== undefined) listedAt = started;
  }

  return {
    async putEvent(event) {
      const body = eventToConfigMap(event);
      const name = body.metadata?.name ?? '';
      try {
        cache.wrote(await core.createNamespacedConfigMap({ namespace, body }));
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

    updateEvent: (repo, id, mutate) =>
      updateEventConfigMap({ core, namespace, cache, log, maxTries, read }, repo, id, mutate),

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
      const unsubscribe = cache.subscribe(onChange);
      return () => {
        listedAt = undefined;
        unsubscribe();
      };
    },
  } satisfies EventStore;
}
