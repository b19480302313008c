import type { GitHubEvent } from '../../handlers/event.js';
import type { Cursor } from '../cursor.js';

export interface PollResult {
  /** New wanted events, oldest first (numeric id order). */
  readonly events: readonly GitHubEvent[];
  /** Ids among `events` lower than an id seen before (late deliveries). */
  readonly late: ReadonlySet<string>;
  /** To be saved after `events` are stored, before they are dispatched. */
  readonly cursor: Cursor;
  /** Seconds to wait before the next poll (max of config and X-Poll-Interval). */
  readonly nextPollSeconds: number;
}

/** Where events come from: the GitHub Events API poller, or a JSON file. */
export interface EventSource {
  poll(repo: string, cursor: Cursor | undefined, signal?: AbortSignal): Promise<PollResult>;
}
