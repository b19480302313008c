import { gunzipSync, gzipSync } from 'node:zlib';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import type { GitHubEvent } from '../../handlers/event.js';
import type { Lane } from '../../handlers/registry.js';
import type {
  EventStatus,
  HandlerState,
  LaneState,
  MatchedEvent,
  StoredEvent,
  StoredEventState,
} from '../ports/event-store.js';
import { storedEventProblems } from '../stored-event-problems.js';
import { LABEL, MANAGED_BY, eventConfigMapName, repoLabel } from './names.js';

/** Key of the event JSON (as the Events API delivered it) in `data`. */
export const EVENT_KEY = 'event.json';
/** Key of the gzip-compressed event JSON in `binaryData`, used when the JSON is too large. */
export const EVENT_GZIP_KEY = 'event.json.gz';
/** The API server's limit on a ConfigMap's `data` + `binaryData`. */
export const MAX_CONFIGMAP_DATA_BYTES = 1024 * 1024;

/** Annotations of an event ConfigMap: the rest of the StoredEvent. */
export const ANNOTATION = {
  repo: 'quickcd.dev/repo',
  attempts: 'quickcd.dev/attempts',
  nextRunAt: 'quickcd.dev/next-run-at',
  lastRunAt: 'quickcd.dev/last-run-at',
  lanes: 'quickcd.dev/lanes',
  handlers: 'quickcd.dev/handlers',
  storedAt: 'quickcd.dev/stored-at',
  late: 'quickcd.dev/late',
  problem: 'quickcd.dev/problem',
  matched: 'quickcd.dev/matched',
  supersededBy: 'quickcd.dev/superseded-by',
} as const;

const STATUSES: readonly EventStatus[] = ['pending', 'running', 'handled', 'failed', 'skipped'];

/** A label value from arbitrary text (≤63, `[A-Za-z0-9._-]`, alphanumeric at both ends). */
function labelValue(text: string): string {
  return text
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** The body of the ConfigMap: plain JSON, gzip, or (too large either way) a placeholder. */
function encodeBody(
  stored: StoredEvent,
  limit: number,
): Pick<V1ConfigMap, 'data' | 'binaryData'> & { problem?: string } {
  const json = JSON.stringify(stored.event);
  const size = Buffer.byteLength(json);
  if (EVENT_KEY.length + size <= limit) return { data: { [EVENT_KEY]: json } };
  const gzip = gzipSync(json);
  if (EVENT_GZIP_KEY.length + gzip.length <= limit) {
    return { binaryData: { [EVENT_GZIP_KEY]: gzip.toString('base64') } };
  }
  const problem =
    `event ${stored.id} is too large to store: ${size} bytes of JSON (${gzip.length} bytes ` +
    `gzip-compressed), over the ConfigMap limit of ${limit} bytes; stored without its payload ` +
    'and marked failed';
  return { data: { [EVENT_KEY]: JSON.stringify(placeholder(stored.event)) }, problem };
}

/** What is kept of an event too large to store: enough for an operator to identify it. */
function placeholder(event: GitHubEvent): GitHubEvent {
  return {
    id: event.id,
    type: event.type,
    actor: event.actor,
    repo: event.repo,
    created_at: event.created_at,
    ...(event.public === undefined ? {} : { public: event.public }),
    ...(event.org === undefined ? {} : { org: event.org }),
    payload: {},
  };
}

/**
 * A too-large event: failed, every lane and every handler not yet complete failed with the
 * reason, so it is never run and says why wherever one looks.
 */
function markTooLarge(stored: StoredEvent, problem: string): StoredEvent {
  const lanes: Partial<Record<Lane, LaneState>> = {};
  for (const [lane, state] of Object.entries(stored.lanes) as [Lane, LaneState][]) {
    const { nextRunAt: _dropped, ...rest } = state;
    lanes[lane] = { ...rest, status: 'failed', lastError: problem };
  }
  const handlers: Record<string, HandlerState> = {};
  for (const [name, h] of Object.entries(stored.handlers)) {
    handlers[name] = h.status === 'complete' ? h : { ...h, status: 'failed', error: problem };
  }
  return { ...stored, status: 'failed', lanes, handlers, problem };
}

function extreme(times: (string | undefined)[], pick: 'min' | 'max'): string | undefined {
  const defined = times.filter((t): t is string => t !== undefined).sort();
  return pick === 'min' ? defined[0] : defined.at(-1);
}

/**
 * The ConfigMap of a stored event (pure). The event JSON goes in `data["event.json"]`; JSON
 * too large for a ConfigMap goes gzip-compressed in `binaryData["event.json.gz"]`; if even that
 * is too large, the event is stored without its payload, `failed`, with `problem` saying why.
 * `limit` is the data size limit (a parameter for tests).
 */
export function eventToConfigMap(
  stored: StoredEvent,
  limit = MAX_CONFIGMAP_DATA_BYTES,
): V1ConfigMap {
  const { problem: tooLarge, ...body } = encodeBody(stored, limit);
  const event =
    tooLarge === undefined
      ? stored
      : markTooLarge(stored, stored.problem ? `${stored.problem}; ${tooLarge}` : tooLarge);
  const lanes = Object.values(event.lanes);
  const annotations: Record<string, string> = {
    [ANNOTATION.repo]: event.repo,
    [ANNOTATION.attempts]: String(Math.max(0, ...lanes.map((l) => l.attempts))),
    [ANNOTATION.lanes]: JSON.stringify(event.lanes),
    [ANNOTATION.handlers]: JSON.stringify(event.handlers),
    [ANNOTATION.storedAt]: event.storedAt,
    [ANNOTATION.late]: String(event.late),
  };
  const next = extreme(
    lanes.map((l) => l.nextRunAt),
    'min',
  );
  const last = extreme(
    lanes.map((l) => l.lastRunAt),
    'max',
  );
  if (next !== undefined) annotations[ANNOTATION.nextRunAt] = next;
  if (last !== undefined) annotations[ANNOTATION.lastRunAt] = last;
  if (event.problem !== undefined) annotations[ANNOTATION.problem] = event.problem;
  if (event.matched !== undefined) annotations[ANNOTATION.matched] = JSON.stringify(event.matched);
  if (event.supersededBy !== undefined) annotations[ANNOTATION.supersededBy] = event.supersededBy;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: eventConfigMapName(event.repo, event.id),
      labels: {
        [LABEL.managedBy]: MANAGED_BY,
        [LABEL.kind]: 'event',
        [LABEL.repo]: repoLabel(event.repo),
        [LABEL.eventType]: labelValue(event.type),
        [LABEL.status]: event.status,
        [LABEL.eventId]: event.id,
      },
      annotations,
    },
    ...body,
  };
}

function corrupt(cm: V1ConfigMap, what: string, cause?: unknown): QuickcdError {
  const name = cm.metadata?.name ?? '(unnamed)';
  return new QuickcdError(
    'STORE_CORRUPT',
    `Event ConfigMap "${name}" is unreadable: ${what}` +
      (cause === undefined ? '' : ` (${errorMessage(cause)})`) +
      '. Fix or delete it (kubectl delete configmap ' +
      `${name}).`,
    { name, ...(cause === undefined ? {} : { cause }) },
  );
}

function parseJson<T>(cm: V1ConfigMap, what: string, text: string | undefined, fallback: T): T {
  if (text === undefined || text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw corrupt(cm, `${what} is not valid JSON`, error);
  }
}

function decodeEvent(cm: V1ConfigMap): GitHubEvent {
  const gzip = cm.binaryData?.[EVENT_GZIP_KEY];
  let json = cm.data?.[EVENT_KEY];
  if (gzip !== undefined) {
    try {
      json = gunzipSync(Buffer.from(gzip, 'base64')).toString('utf8');
    } catch (error) {
      throw corrupt(cm, `binaryData["${EVENT_GZIP_KEY}"] is not gzip`, error);
    }
  }
  if (json === undefined)
    throw corrupt(cm, `it has neither data["${EVENT_KEY}"] nor ${EVENT_GZIP_KEY}`);
  return parseJson<GitHubEvent>(cm, `data["${EVENT_KEY}"]`, json, {} as GitHubEvent);
}

/** The status label, checked: a ConfigMap without a valid one is corrupt. */
function statusOf(cm: V1ConfigMap): EventStatus {
  const status = cm.metadata?.labels?.[LABEL.status] as EventStatus | undefined;
  if (status === undefined || !STATUSES.includes(status)) {
    throw corrupt(
      cm,
      `label ${LABEL.status} is ${JSON.stringify(status)}, expected one of ${STATUSES.join('|')}`,
    );
  }
  return status;
}

/** When the event was stored: its annotation, else the ConfigMap's creation. */
function storedAtOf(cm: V1ConfigMap): string {
  return (
    cm.metadata?.annotations?.[ANNOTATION.storedAt] ??
    cm.metadata?.creationTimestamp?.toISOString() ??
    new Date(0).toISOString()
  );
}

/**
 * An event ConfigMap's state from its metadata alone (a metadata-only list has no `data`):
 * repository, id, status and when it was stored.
 */
export function configMapToEventState(cm: V1ConfigMap): StoredEventState {
  const status = statusOf(cm);
  const repo = cm.metadata?.annotations?.[ANNOTATION.repo];
  const id = cm.metadata?.labels?.[LABEL.eventId];
  if (repo === undefined || !id) {
    throw corrupt(cm, `expected label ${LABEL.eventId} and annotation ${ANNOTATION.repo}`);
  }
  return { repo, id, status, storedAt: storedAtOf(cm) };
}

/** The stored event held by an event ConfigMap (pure; the inverse of eventToConfigMap). */
export function configMapToEvent(cm: V1ConfigMap): StoredEvent {
  const labels = cm.metadata?.labels ?? {};
  const annotations = cm.metadata?.annotations ?? {};
  const event = decodeEvent(cm);
  const status = statusOf(cm);
  const problem = annotations[ANNOTATION.problem];
  const matched = annotations[ANNOTATION.matched];
  const supersededBy = annotations[ANNOTATION.supersededBy];
  const stored = {
    repo: annotations[ANNOTATION.repo] ?? event.repo.name,
    id: labels[LABEL.eventId] ?? event.id,
    type: event.type,
    event,
    status,
    lanes: parseJson(cm, `annotation ${ANNOTATION.lanes}`, annotations[ANNOTATION.lanes], {}),
    handlers: parseJson<Record<string, HandlerState>>(
      cm,
      `annotation ${ANNOTATION.handlers}`,
      annotations[ANNOTATION.handlers],
      {},
    ),
    storedAt: storedAtOf(cm),
    late: annotations[ANNOTATION.late] === 'true',
    ...(problem === undefined ? {} : { problem }),
    ...(matched === undefined
      ? {}
      : {
          matched: parseJson<MatchedEvent>(
            cm,
            `annotation ${ANNOTATION.matched}`,
            matched,
            {} as MatchedEvent,
          ),
        }),
    ...(supersededBy === undefined ? {} : { supersededBy }),
  };
  const problems = storedEventProblems(stored);
  if (problems.length > 0) throw corrupt(cm, `it is not a stored event: ${problems.join('; ')}`);
  return stored;
}
