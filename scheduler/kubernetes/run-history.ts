import { ApiException, type CoreV1Api, type V1ConfigMap } from '@kubernetes/client-node';
import type { Lane } from '../../handlers/registry.js';
import type { StoredEvent } from '../ports/event-store.js';
import { LABEL, MANAGED_BY } from './names.js';
import { kubeCall } from './kube-call.js';

/** What is kept of one run once its Job and Pod are gone. */
export interface KeptRun {
  /** The Job's name. */
  readonly job: string;
  readonly lane: string;
  readonly attempt: number;
  readonly ok: boolean;
  readonly reason?: string;
  /** The error code of each handler the run left failed (`HANDLER_TIMEOUT`…), by name. */
  readonly codes?: Readonly<Record<string, string>>;
  readonly finishedAt: string;
  /** The last {@link TAIL_BYTES} of the runner's output (secrets redacted). */
  readonly tail: string;
  /** The output was longer than the tail. */
  readonly truncated: boolean;
}

/** The error codes of `lane`'s failed handlers as `event` records them, by handler name. */
export function failureCodes(
  event: Pick<StoredEvent, 'handlers'>,
  lane: Lane,
): Record<string, string> {
  const codes: Record<string, string> = {};
  for (const [name, h] of Object.entries(event.handlers)) {
    if (h.lane === lane && h.status === 'failed' && h.code) codes[name] = h.code;
  }
  return codes;
}

/** The bound of each run's kept output. */
export const TAIL_BYTES = 64 * 1024;
/** Runs are dropped oldest first beyond this (a ConfigMap holds at most 1 MiB). */
const BUDGET_BYTES = 900 * 1024;

/** `<event ConfigMap>-history`: the companion ConfigMap the event ConfigMap owns. */
export function historyConfigMapName(eventConfigMap: string): string {
  return `${eventConfigMap.slice(0, 253 - '-history'.length)}-history`;
}

/** The last `max` bytes of `text`, cut at a character boundary. */
export function lastBytes(text: string, max = TAIL_BYTES): { tail: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return { tail: text, truncated: false };
  let start = bytes.length - max;
  // Skip UTF-8 continuation bytes: never start mid-character.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0xc0) === 0x80) start++;
  return { tail: bytes.subarray(start).toString('utf8'), truncated: true };
}

/** The kept runs of an event, oldest first; none when there is no history ConfigMap. */
export async function readRunHistory(
  core: CoreV1Api,
  namespace: string,
  eventConfigMap: string,
): Promise<KeptRun[]> {
  let cm: V1ConfigMap;
  try {
    const name = historyConfigMapName(eventConfigMap);
    cm = await kubeCall(
      'get',
      'configmaps',
      () => core.readNamespacedConfigMap({ namespace, name }),
      [404],
    );
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return [];
    throw error;
  }
  return runsOf(cm);
}

function runsOf(cm: V1ConfigMap): KeptRun[] {
  const data = cm.data ?? {};
  return Object.keys(data)
    .filter((k) => k.endsWith('.json'))
    .map((k) => {
      const job = k.slice(0, -'.json'.length);
      const meta = JSON.parse(data[k] ?? '{}') as Omit<KeptRun, 'job' | 'tail'>;
      return { ...meta, job, tail: data[`${job}.log`] ?? '' };
    })
    .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.attempt - b.attempt);
}

function dataOf(runs: readonly KeptRun[]): Record<string, string> {
  const data: Record<string, string> = {};
  for (const { job, tail, ...meta } of runs) {
    data[`${job}.json`] = JSON.stringify(meta);
    data[`${job}.log`] = tail;
  }
  return data;
}

/**
 * Adds `run` to the event's history ConfigMap (created owned by the event ConfigMap, so it goes
 * with the event), dropping the oldest runs beyond the size budget. A first attempt creates it
 * without reading first (there is rarely one yet); an AlreadyExists, a later attempt or a
 * concurrent writer (the other lane) makes it read and replace, and try again on a conflict.
 */
export async function keepRun(
  core: CoreV1Api,
  namespace: string,
  owner: { readonly name: string; readonly uid: string },
  labels: Readonly<Record<string, string>>,
  run: KeptRun,
): Promise<void> {
  const name = historyConfigMapName(owner.name);
  let read = run.attempt > 1;
  for (let attempt = 1; ; attempt++) {
    let current: V1ConfigMap | undefined;
    if (read) {
      try {
        current = await kubeCall(
          'get',
          'configmaps',
          () => core.readNamespacedConfigMap({ namespace, name }),
          [404],
        );
      } catch (error) {
        if (!(error instanceof ApiException && error.code === 404)) throw error;
      }
    }
    const runs = [...(current ? runsOf(current) : []).filter((r) => r.job !== run.job), run];
    const size = (rs: readonly KeptRun[]) => JSON.stringify(dataOf(rs)).length;
    while (runs.length > 1 && size(runs) > BUDGET_BYTES) runs.shift();
    const body: V1ConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { ...labels, [LABEL.managedBy]: MANAGED_BY, [LABEL.kind]: 'history' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: owner.name, uid: owner.uid },
        ],
        ...(current?.metadata?.resourceVersion
          ? { resourceVersion: current.metadata.resourceVersion }
          : {}),
      },
      data: dataOf(runs),
    };
    try {
      // A conflict is retried: only the last one counts as a failure.
      const retried = attempt < 5 ? [409, 404] : [];
      if (current) {
        await kubeCall(
          'update',
          'configmaps',
          () => core.replaceNamespacedConfigMap({ namespace, name, body }),
          retried,
        );
      } else {
        await kubeCall(
          'create',
          'configmaps',
          () => core.createNamespacedConfigMap({ namespace, body }),
          retried,
        );
      }
      return;
    } catch (error) {
      const conflict = error instanceof ApiException && (error.code === 409 || error.code === 404);
      if (!conflict || attempt >= 5) throw error;
      read = true;
    }
  }
}

/** The kept runs of every history ConfigMap matching `labelSelector`, oldest first. */
export async function listKeptRuns(
  core: CoreV1Api,
  namespace: string,
  labelSelector: string,
): Promise<KeptRun[]> {
  const { items } = await kubeCall('list', 'configmaps', () =>
    core.listNamespacedConfigMap({
      namespace,
      labelSelector: `${labelSelector},${LABEL.kind}=history`,
    }),
  );
  return items.flatMap(runsOf);
}
