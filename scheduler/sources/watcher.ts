import type { EventSourceName } from '../../handlers/event.js';

/** What a fast watcher saw change: an Events-API-shaped event, without its id yet. */
export interface EventDraft {
  readonly type: string;
  readonly actor: { readonly id: number; readonly login: string };
  readonly payload: Record<string, unknown>;
  /** When the change happened (or, for refs, was first seen): orders the lane. ms. */
  readonly changedAt: number;
}

/** The repository as the watchers need it (from `GET /repos/{owner}/{repo}`, read once). */
export interface RepoInfo {
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly id: number;
  readonly url: string;
  readonly defaultBranch: string;
}

/**
 * A fast source: conditional polls of one kind of listing, diffed against what it saw before.
 * The first poll of a repository only takes the baseline (like the Events API's first poll).
 */
export interface Watcher {
  readonly name: Exclude<EventSourceName, 'events-api'>;
  /** Requests one poll costs at least (for the budget). */
  readonly requestsPerPoll: number;
  poll(repo: RepoInfo, signal: AbortSignal | undefined): Promise<EventDraft[]>;
}

/** The actor of a change a listing does not attribute: no GitHub login is empty. */
export const UNKNOWN_ACTOR = { id: 0, login: '' } as const;
