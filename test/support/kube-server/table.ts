import type { ResourceType } from './resources.js';
import { isObject, type JsonObject, type KubeObject, text } from './types.js';

/**
 * Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which
 * `kubectl get` asks for: the columns kubectl shows against a real cluster.
 */

interface Column {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
  cell: (o: KubeObject, now: number) => string | number;
}

const col = (name: string, cell: Column['cell'], priority = 0, type = 'string'): Column => ({
  name,
  type,
  description: name,
  priority,
  cell,
});
const nameCol: Column = { ...col('Name', (o) => o.metadata.name ?? ''), format: 'name' };
const ageCol = col('Age', (o, now) => age(o.metadata.creationTimestamp, now));
const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const count = (v: unknown): number => (isObject(v) ? Object.keys(v).length : 0);

const COLUMNS: Record<string, Column[]> = {
  configmaps: [
    nameCol,
    col('Data', (o) => count(o.data) + count(o.binaryData), 0, 'integer'),
    ageCol,
  ],
  secrets: [
    nameCol,
    col('Type', (o) => text(o.type, 'Opaque')),
    col('Data', (o) => count(o.data), 0, 'integer'),
    ageCol,
  ],
  namespaces: [nameCol, col('Status', (o) => text(obj(o.status).phase, 'Active')), ageCol],
  leases: [nameCol, col('Holder', (o) => text(obj(o.spec).holderIdentity, '')), ageCol],
  events: [
    col('Last Seen', (o, now) => age(o.lastTimestamp as string | undefined, now)),
    col('Type', (o) => text(o.type, '')),
    col('Reason', (o) => text(o.reason, '')),
    col(
      'Object',
      (o) =>
        `${text(obj(o.involvedObject).kind, '').toLowerCase()}/${text(obj(o.involvedObject).name, '')}`,
    ),
    col('Message', (o) => text(o.message, '')),
  ],
  pods: [
    nameCol,
    col('Ready', (o) => {
      const statuses = arr(obj(o.status).containerStatuses);
      return `${statuses.filter((s) => obj(s).ready === true).length}/${arr(obj(o.spec).containers).length}`;
    }),
    col('Status', (o) => podStatus(o)),
    col(
      'Restarts',
      (o) =>
        arr(obj(o.status).containerStatuses).reduce<number>(
          (n, s) => n + Number(obj(s).restartCount ?? 0),
          0,
        ),
      0,
      'integer',
    ),
    ageCol,
    col('IP', (o) => text(obj(o.status).podIP, '<none>'), 1),
    col('Node', (o) => text(obj(o.spec).nodeName, '<none>'), 1),
    col('Nominated Node', () => '<none>', 1),
    col('Readiness Gates', () => '<none>', 1),
  ],
  jobs: [
    nameCol,
    col('Status', (o) => jobStatus(o)),
    col(
      'Completions',
      (o) => `${Number(obj(o.status).succeeded ?? 0)}/${Number(obj(o.spec).completions ?? 1)}`,
    ),
    col('Duration', (o, now) => {
      const s = obj(o.status);
      if (typeof s.startTime !== 'string') return '';
      const end = typeof s.completionTime === 'string' ? Date.parse(s.completionTime) : now;
      return duration((end - Date.parse(s.startTime)) / 1000);
    }),
    ageCol,
    col(
      'Containers',
      (o) =>
        containers(o)
          .map((c) => String(c.name))
          .join(','),
      1,
    ),
    col(
      'Images',
      (o) =>
        containers(o)
          .map((c) => String(c.image))
          .join(','),
      1,
    ),
    col(
      'Selector',
      (o) =>
        Object.entries(obj(obj(obj(o.spec).selector).matchLabels))
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(','),
      1,
    ),
  ],
};

function containers(job: KubeObject): JsonObject[] {
  return arr(obj(obj(obj(job.spec).template).spec).containers).map(obj);
}

function podStatus(pod: KubeObject): string {
  const status = obj(pod.status);
  for (const s of arr(status.containerStatuses)) {
    const state = obj(obj(s).state);
    const reason = obj(state.waiting).reason ?? obj(state.terminated).reason;
    if (typeof reason === 'string' && reason !== '') return reason;
  }
  return text(status.reason, text(status.phase, 'Pending'));
}

function jobStatus(job: KubeObject): string {
  const conditions = arr(obj(job.status).conditions).map(obj);
  const has = (t: string): boolean => conditions.some((c) => c.type === t && c.status === 'True');
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (has('FailureTarget')) return 'FailureTarget';
  if (has('SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  if (obj(job.spec).suspend === true) return 'Suspended';
  return 'Running';
}

/** `k8s.io/apimachinery/pkg/util/duration.HumanDuration`, roughly. */
function duration(seconds: number): string {
  const s = Math.floor(seconds);
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 8 && h % 24 !== 0 ? `${d}d${h % 24}h` : `${d}d`;
}

function age(ts: string | undefined, now: number): string {
  return ts ? duration((now - Date.parse(ts)) / 1000) : '<unknown>';
}

/** True when the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/**
 * A Table of `objects`; `includeObject` is the request's query parameter (`Metadata` by
 * default, `Object` or `None`). Column definitions are left out when `withColumns` is false
 * (watch events after the first).
 */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  includeObject: string | null,
  withColumns = true,
): object {
  const columns = COLUMNS[type.plural] ?? [nameCol, ageCol];
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: withColumns
      ? columns.map(({ cell: _c, ...definition }) => ({ format: '', ...definition }))
      : [],
    rows: objects.map((o) => {
      const row: JsonObject = { cells: columns.map((c) => c.cell(o, now)) };
      if (includeObject === 'Object') row.object = o;
      else if (includeObject !== 'None') {
        row.object = {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: o.metadata,
        };
      }
      return row;
    }),
  };
}
