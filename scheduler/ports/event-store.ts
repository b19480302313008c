import type { GitHubEvent } from '../../handlers/event.js';
import type { Lane } from '../../handlers/registry.js';
import type { Cursor } from '../cursor.js';

export type EventStatus = 'pending' | 'running' | 'handled' | 'failed' | 'skipped';
export type LaneStatus = 'pending' | 'running' | 'handled' | 'failed';

/** One lane of one event: its handlers run together in one runner (one Job) per attempt. */
export interface LaneState {
  readonly status: LaneStatus;
  readonly attempts: number;
  readonly lastRunAt?: string;
  /** When a failed lane may run again (ISO time). */
  readonly nextRunAt?: string;
  readonly lastError?: string;
  /** Name of the launch (Job name, or local run id) of the current/last attempt. */
  readonly launch?: string;
}

export interface HandlerState {
  readonly lane: Lane;
  readonly status: 'pending' | 'complete' | 'failed';
  readonly attempts: number;
  readonly durationMs?: number;
  readonly error?: string;
  /** The code of its last failure, as its runner reported it (`HANDLER_TIMEOUT`…). */
  readonly code?: string;
  readonly completedAt?: string;
}

export interface StoredEvent {
  /** `owner/name` */
  readonly repo: string;
  readonly id: string;
  readonly type: string;
  readonly event: GitHubEvent;
  /** Derived from the lanes, except `skipped` which is set by an operator. */
  readonly status: EventStatus;
  readonly lanes: Partial<Record<Lane, LaneState>>;
  /** Per-handler state: a retry runs only handlers not yet complete. */
  readonly handlers: Readonly<Record<string, HandlerState>>;
  readonly storedAt: string;
  /** Seen after an event with a higher id. */
  readonly late: boolean;
  /** Why the event could not be stored whole (e.g. too large), if so. */
  readonly problem?: string;
  /**
   * The same change seen by the other kind of source (fast sources, issue 14): on a
   * synthesised event the real Events API event (its id and actor), on a real one the watcher
   * that saw it. It is never dispatched again.
   */
  readonly matched?: MatchedEvent;
  /** A push collapsed into a newer one (same ref, one fast-poll interval): its id. Never run. */
  readonly supersededBy?: string;
}

/** The counterpart of a stored event from another source. */
export interface MatchedEvent {
  readonly id: string;
  readonly source: string;
  readonly actor?: { readonly id: number; readonly login: string };
  readonly at: string;
}

export type EventMutation = (event: StoredEvent) => StoredEvent;

/** What retention decides on: an event's place and state, without its payload. */
export type StoredEventState = Pick<StoredEvent, 'repo' | 'id' | 'status' | 'storedAt'>;

export interface EventFilter {
  readonly repo?: string;
  readonly status?: readonly EventStatus[];
}

/**
 * Durable queue and history of events, plus the poll cursor per repository. Implementations:
 * a directory of JSON files (embedded) and ConfigMaps (Kubernetes).
 */
export interface EventStore {
  /** Stores a new event; storing one that exists changes nothing and returns false. */
  putEvent(event: StoredEvent): Promise<boolean>;
  getEvent(id: string, repo?: string): Promise<StoredEvent | undefined>;
  /** Oldest first (numeric id order). */
  listEvents(filter?: EventFilter): Promise<StoredEvent[]>;
  /**
   * Visits the matching events one at a time, in no particular order, without holding them
   * all: what reads the whole history (retention, the fast sources' index) uses it, so the
   * scheduler's memory does not grow with the events it keeps.
   */
  scanEvents?(filter: EventFilter, visit: (event: StoredEvent) => void): Promise<void>;
  /**
   * Like scanEvents, without reading the payloads (a ConfigMap store lists metadata only): for
   * what needs only each event's state, such as retention.
   */
  scanEventStates?(filter: EventFilter, visit: (state: StoredEventState) => void): Promise<void>;
  /** Applies `mutate` to the latest version; a concurrent write makes it re-read and retry. */
  updateEvent(repo: string, id: string, mutate: EventMutation): Promise<StoredEvent>;
  deleteEvent(repo: string, id: string): Promise<void>;
  getCursor(repo: string): Promise<Cursor | undefined>;
  putCursor(repo: string, cursor: Cursor): Promise<void>;
  /**
   * Calls `onChange` soon after an event is changed by anyone (e.g. `quickcd retry` from another
   * process), so the scheduler reacts without polling its store. Returns an unsubscribe function.
   */
  subscribe?(onChange: () => void): () => void;
}
