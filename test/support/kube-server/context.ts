import type { ObjectStore } from './object-store.js';
import type { PodLogs } from './pod-logs.js';

/** An open watch stream, so faults and close() can end it. */
export interface OpenWatch {
  end(): void;
}

/** What the HTTP layer and the controllers share. */
export interface ServerContext {
  readonly store: ObjectStore;
  readonly logs: PodLogs;
  readonly watches: Set<OpenWatch>;
  /** How often watches with allowWatchBookmarks=true get a BOOKMARK. */
  readonly bookmarkIntervalMs: number;
}
