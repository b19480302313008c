import type { Octokit } from '@octokit/rest';
import type { Budget } from './budget.js';
import { conditionalGet } from './conditional-get.js';
import { UNKNOWN_ACTOR, type EventDraft, type Watcher, type WatchedRepo } from './watcher.js';

interface Seen {
  readonly head: string;
  readonly state: string;
}

interface RepoPulls {
  etag: string | undefined;
  known: Map<number, Seen> | undefined;
  since: number;
}

interface RestPull {
  readonly number: number;
  readonly state: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly merged_at?: string | null;
  readonly head: { readonly sha: string };
  readonly user?: { readonly id: number; readonly login: string } | null;
  readonly [key: string]: unknown;
}

const isPull = (v: unknown): v is RestPull => {
  const p = v as Partial<RestPull> | null;
  return typeof p?.number === 'number' && typeof p.head?.sha === 'string';
};

/**
 * The pull-request watcher (issue 14, item 2): the newest page of pull requests sorted by
 * update, with its ETag. Opened (after the watcher started), synchronised to a new head,
 * reopened and closed (merged or not) become `PullRequestEvent`s with that action, ordered by
 * `updated_at`. A PR opened and closed within one interval shows only what the listing shows:
 * the Events API still delivers the rest.
 */
export function createPullRequestWatcher(options: {
  readonly github: Octokit;
  readonly budget: Budget;
  readonly now: () => number;
  readonly perPage?: number;
}): Watcher {
  const state = new Map<string, RepoPulls>();
  return {
    name: 'pulls',
    produces: ['PullRequestEvent'],
    requestsPerPoll: 1,
    async poll(repo: WatchedRepo, signal) {
      const key = repo.fullName.toLowerCase();
      const mine = state.get(key) ?? { etag: undefined, known: undefined, since: options.now() };
      state.set(key, mine);
      const result = await conditionalGet(
        options.github,
        options.budget,
        'GET /repos/{owner}/{repo}/pulls',
        {
          owner: repo.owner,
          repo: repo.name,
          state: 'all',
          sort: 'updated',
          direction: 'desc',
          per_page: options.perPage ?? 30,
        },
        mine.etag,
        signal,
      );
      mine.etag = result.etag;
      if (result.notModified) return [];
      const pulls = (Array.isArray(result.data) ? (result.data as unknown[]) : []).filter(isPull);
      const known = mine.known;
      mine.known ??= new Map();
      const drafts: EventDraft[] = [];
      // Oldest update first: the lane follows the order the changes happened.
      for (const pr of [...pulls].reverse()) {
        const before = known?.get(pr.number);
        mine.known.set(pr.number, { head: pr.head.sha, state: pr.state });
        if (!known) continue;
        const at = Date.parse(pr.updated_at) || options.now();
        const draft = (action: string, actor = UNKNOWN_ACTOR as RestPull['user']): EventDraft => ({
          type: 'PullRequestEvent',
          actor: actor ?? UNKNOWN_ACTOR,
          payload: {
            action,
            number: pr.number,
            pull_request: { ...pr, merged: pr.merged_at !== null && pr.merged_at !== undefined },
          },
          changedAt: at,
        });
        if (!before) {
          // Unknown before: new only if created since the watcher started (else merely older
          // than the newest page it saw).
          if ((Date.parse(pr.created_at) || 0) < mine.since - 1000) continue;
          drafts.push(draft('opened', pr.user));
          if (pr.state === 'closed') drafts.push(draft('closed'));
          continue;
        }
        if (before.state === 'closed' && pr.state === 'open') drafts.push(draft('reopened'));
        if (before.head !== pr.head.sha && pr.state === 'open') drafts.push(draft('synchronize'));
        if (before.state === 'open' && pr.state === 'closed') drafts.push(draft('closed'));
      }
      return drafts;
    },
    reset: () => state.clear(),
  };
}
