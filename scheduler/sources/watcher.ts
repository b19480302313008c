import type { EventSourceName } from '../../handlers/event.js';

/** What a fast watcher saw change: an Events-API-shaped event, without its id yet. */
export interface EventDraft {
  readonly type: string;
  readonly actor: { readonly id: number; readonly login: string };
  readonly payload: Record<string, unknown>;
  /** When the change happened (or, for refs, was first seen): orders the lane. ms. */
  readonly changedAt: number;
}

/** The repository as an event needs it (from `GET /repos/{owner}/{repo}`, read once). */
export interface RepoInfo {
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  readonly id: number;
  readonly url: string;
  readonly defaultBranch: string;
}

/**
 * The repository a watcher polls. Its `info()` costs a request that counts against the rate
 * limit, so it is read only once some change is to be drafted: a baseline and an idle
 * repository never need it. It rejects when the read fails (the watcher's state must not move).
 */
export interface WatchedRepo {
  readonly owner: string;
  readonly name: string;
  readonly fullName: string;
  info(): Promise<RepoInfo>;
}

/**
 * A fast source: conditional polls of one kind of listing, diffed against what it saw before.
 * The first poll of a repository only takes the baseline (like the Events API's first poll).
 */
export interface Watcher {
  readonly name: Exclude<EventSourceName, 'events-api'>;
  /** The event types it drafts: when no handler (nor a built-in command) wants one, it rests. */
  readonly produces: readonly string[];
  /** Requests one poll costs at least (for the budget). */
  readonly requestsPerPoll: number;
  poll(repo: WatchedRepo, signal: AbortSignal | undefined): Promise<EventDraft[]>;
  /**
   * Drops every baseline: the watcher rests, and when it is wanted again its first poll takes a
   * new one (what changed meanwhile was not wanted then, as the Events API poller judged it).
   */
  reset(): void;
}

/** The actor of a change a listing does not attribute: no GitHub login is empty. */
export const UNKNOWN_ACTOR = { id: 0, login: '' } as const;
