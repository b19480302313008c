import type { Octokit } from '@octokit/rest';
import type { Logger } from '../../common/logger.js';
import { compareEventIds, type GitHubEvent } from '../../handlers/event.js';
import { newStoredEvent } from '../event-state.js';
import type { EventSource, PollResult } from '../ports/event-source.js';
import type { EventStore } from '../ports/event-store.js';
import type { Budget } from './budget.js';
import { conditionalGet } from './conditional-get.js';
import { createDedupIndex, type Admission } from './dedup-index.js';
import { syntheticEventId } from './synthetic-id.js';
import type { RepoInfo, WatchedRepo, Watcher } from './watcher.js';

export interface FastSourcesOptions {
  /** The Events API poller: the record, polled on its own schedule as before. */
  readonly events: EventSource;
  readonly watchers: readonly Watcher[];
  readonly github: Octokit;
  readonly store: EventStore;
  readonly budget: Budget;
  /** Whether some handler (or a built-in command) wants the event. */
  readonly wanted: (event: GitHubEvent) => boolean;
  /**
   * Whether some handler (or a built-in command) may want events of this type (default: all):
   * a watcher none of whose types is wanted rests, and costs no request.
   */
  readonly wantsType?: (type: string) => boolean;
  /** How many repositories share the token (the budget divides among them). */
  readonly repoCount: number;
  readonly log: Logger;
  readonly now: () => number;
}

export interface FastSources extends EventSource {
  /** Polls the repository's watchers at the next poll (a webhook nudge). */
  nudge(repo: string): void;
}

/**
 * The Events API poller with the fast watchers beside it (issue 14), as one event source:
 * each poll asks the Events API when it is due (as before: it is the record) and the watchers
 * when theirs is, then matches what both saw (one change, one stored event: the counterpart
 * is recorded on it) and returns only what is new. Synthesised events carry `source`.
 */
export function createFastSources(options: FastSourcesOptions): FastSources {
  const { events, watchers, store, budget, log, now } = options;
  const dedup = createDedupIndex(store);
  const eventsDueAt = new Map<string, number>();
  const fastDueAt = new Map<string, number>();
  const infos = new Map<string, RepoInfo>();
  const wantsType = options.wantsType ?? (() => true);
  const resting = new Set<Watcher>();
  const perCycle = (active: readonly Watcher[]) =>
    active.reduce((n, w) => n + w.requestsPerPoll, 0);

  /** The watchers some handler wants now (handlers reload); one put to rest forgets its state. */
  function activeWatchers(): Watcher[] {
    const active: Watcher[] = [];
    for (const watcher of watchers) {
      if (watcher.produces.some(wantsType)) {
        active.push(watcher);
        resting.delete(watcher);
      } else if (!resting.has(watcher)) {
        resting.add(watcher);
        watcher.reset();
        log.info(
          { watcher: watcher.name },
          'no handler wants what this fast source sees: it rests',
        );
      }
    }
    return active;
  }

  /** The repository for the watchers; its details are read (once) only when a change needs them. */
  function watched(repo: string, signal: AbortSignal | undefined): WatchedRepo {
    const [owner = '', name = ''] = repo.split('/');
    return {
      owner,
      name,
      fullName: repo,
      async info() {
        const known = infos.get(repo);
        if (known) return known;
        const r = await conditionalGet(
          options.github,
          budget,
          'GET /repos/{owner}/{repo}',
          { owner, repo: name },
          undefined,
          signal,
        );
        const data = (r.data ?? {}) as { id?: number; url?: string; default_branch?: string };
        const info: RepoInfo = {
          owner,
          name,
          fullName: repo,
          id: typeof data.id === 'number' ? data.id : 0,
          url: data.url ?? '',
          defaultBranch: data.default_branch ?? 'main',
        };
        infos.set(repo, info);
        return info;
      },
    };
  }

  async function watch(repo: string, signal: AbortSignal | undefined): Promise<GitHubEvent[]> {
    const at = now();
    if ((fastDueAt.get(repo) ?? 0) > at) return [];
    const active = activeWatchers();
    if (active.length === 0) {
      // Looked at again at the Events API's next poll (a handlers reload may want them).
      fastDueAt.delete(repo);
      return [];
    }
    const requests = perCycle(active);
    const wait = budget.waitMs();
    if (wait > 0 || !budget.allows(requests)) {
      // Rate-limited, or this minute's budget is spent: look again later, never spin.
      fastDueAt.set(repo, at + Math.max(wait, 1000));
      return [];
    }
    fastDueAt.set(repo, at + budget.intervalSeconds(options.repoCount, requests) * 1000);
    const out: GitHubEvent[] = [];
    const target = watched(repo, signal);
    for (const watcher of active) {
      try {
        const drafts = await watcher.poll(target, signal);
        if (drafts.length === 0) continue;
        // Only a change costs the repository read (the ref watcher has made it already).
        const info = await target.info();
        for (const draft of drafts) {
          const id = syntheticEventId(
            draft.changedAt,
            (candidate) => dedup.taken(repo, candidate) || out.some((e) => e.id === candidate),
          );
          out.push({
            id,
            type: draft.type,
            actor: draft.actor,
            repo: { id: info.id, name: repo, url: info.url },
            payload: draft.payload,
            public: true,
            created_at: new Date(draft.changedAt).toISOString(),
            source: watcher.name,
          });
        }
      } catch (error) {
        if (signal?.aborted) throw error;
        // The next poll asks again (the ref watcher's state did not move; the others' changes
        // then come from the Events API, which is the record).
        log.warn(
          { repo, watcher: watcher.name, err: error },
          'a fast source failed; the Events API still delivers everything',
        );
      }
    }
    return out;
  }

  /** Records `event` on its stored counterpart; false when that is not stored after all. */
  async function recordMatch(repo: string, target: string, event: GitHubEvent): Promise<boolean> {
    try {
      await store.updateEvent(repo, target, (stored) => ({
        ...stored,
        matched: {
          id: event.id,
          source: event.source ?? 'events-api',
          ...(event.source === 'events-api' ? { actor: event.actor } : {}),
          at: new Date(now()).toISOString(),
        },
      }));
      dedup.matched(repo, target, event.id);
      log.info(
        { repo, eventId: target, matchedId: event.id, source: event.source, type: event.type },
        'matched the same change from another source: recorded, not run again',
      );
      return true;
    } catch (error) {
      log.debug({ repo, eventId: target, err: error }, 'counterpart not stored');
      dedup.forget(repo, target);
      return false;
    }
  }

  async function admit(repo: string, event: GitHubEvent, out: GitHubEvent[]): Promise<void> {
    let wanted: boolean;
    try {
      wanted = options.wanted(event);
    } catch {
      wanted = false;
    }
    if (!wanted) return;
    let admission: Admission = await dedup.admit(event);
    if (admission.kind === 'matched' && !(await recordMatch(repo, admission.target, event))) {
      admission = await dedup.admit(event);
    }
    if (admission.kind === 'superseded') {
      const stored = newStoredEvent(event, [], new Date(now()));
      await store.putEvent({ ...stored, status: 'skipped', supersededBy: admission.by });
      dedup.note(event, { supersededBy: admission.by });
      log.info(
        { repo, eventId: event.id, supersededBy: admission.by },
        'push superseded by a newer one on the same ref: recorded, not run',
      );
      return;
    }
    if (admission.kind !== 'new') return;
    dedup.note(event);
    out.push(event);
  }

  return {
    nudge(repo) {
      fastDueAt.set(repo, 0);
    },

    async poll(repo, cursor, signal): Promise<PollResult> {
      const at = now();
      let result: PollResult | undefined;
      if (cursor === undefined || (eventsDueAt.get(repo) ?? 0) <= at) {
        result = await events.poll(repo, cursor, signal);
        eventsDueAt.set(repo, at + result.nextPollSeconds * 1000);
      }
      const synthesised = await watch(repo, signal);
      const out: GitHubEvent[] = [];
      for (const event of result?.events ?? []) {
        await admit(repo, { ...event, source: 'events-api' }, out);
      }
      for (const event of synthesised) await admit(repo, event, out);
      out.sort((a, b) => compareEventIds(a.id, b.id));
      const next = Math.min(eventsDueAt.get(repo) ?? Infinity, fastDueAt.get(repo) ?? Infinity);
      return {
        events: out,
        late: result?.late ?? new Set(),
        // Not polled now: the cursor stays as it was (the scheduler then writes nothing).
        cursor: result?.cursor ?? cursor ?? {},
        nextPollSeconds: Math.max(0.05, (next - now()) / 1000),
      } as PollResult;
    },
  };
}
