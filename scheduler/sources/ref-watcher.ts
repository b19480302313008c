import type { Octokit } from '@octokit/rest';
import type { Budget } from './budget.js';
import { conditionalGet } from './conditional-get.js';
import {
  UNKNOWN_ACTOR,
  type EventDraft,
  type RepoInfo,
  type Watcher,
  type WatchedRepo,
} from './watcher.js';

const ZERO = '0'.repeat(40);
const KINDS = ['heads', 'tags'] as const;

interface Page {
  readonly etag: string | undefined;
  readonly refs: readonly (readonly [string, string])[];
  readonly next: boolean;
}

interface RepoRefs {
  refs: Map<string, string> | undefined;
  readonly pages: Map<string, Page>;
}

/**
 * The ref watcher (issue 14, item 1): per repository, a conditional `GET` of
 * `git/matching-refs/heads` and `…/tags`, every page with its own ETag (a 304 costs no primary
 * rate limit). A moved ref becomes a `PushEvent` (`ref`, `head`, `before`), a new one a
 * `CreateEvent` and a `PushEvent` from the zero sha, a deleted one a `DeleteEvent`.
 */
export function createRefWatcher(options: {
  readonly github: Octokit;
  readonly budget: Budget;
  readonly now: () => number;
}): Watcher {
  const state = new Map<string, RepoRefs>();

  async function readKind(
    repo: WatchedRepo,
    kind: (typeof KINDS)[number],
    pages: Map<string, Page>,
    signal: AbortSignal | undefined,
  ): Promise<[string, string][]> {
    const out: [string, string][] = [];
    for (let page = 1; ; page++) {
      const key = `${kind}#${page}`;
      const cached = pages.get(key);
      const result = await conditionalGet(
        options.github,
        options.budget,
        'GET /repos/{owner}/{repo}/git/matching-refs/{ref}',
        { owner: repo.owner, repo: repo.name, ref: kind, per_page: 100, page },
        cached?.etag,
        signal,
      );
      let current: Page;
      if (result.notModified && cached) {
        current = cached;
      } else {
        const list = Array.isArray(result.data) ? (result.data as unknown[]) : [];
        const refs = list.flatMap((item) => {
          const r = item as { ref?: unknown; object?: { sha?: unknown } };
          return typeof r.ref === 'string' && typeof r.object?.sha === 'string'
            ? [[r.ref, r.object.sha] as const]
            : [];
        });
        current = { etag: result.etag, refs, next: /rel="next"/.test(result.link) };
        pages.set(key, current);
      }
      out.push(...current.refs.map(([r, s]) => [r, s] as [string, string]));
      if (!current.next) {
        for (const k of [...pages.keys()]) {
          const [kk, n] = k.split('#');
          if (kk === kind && Number(n) > page) pages.delete(k);
        }
        return out;
      }
    }
  }

  return {
    name: 'refs',
    produces: ['PushEvent', 'CreateEvent', 'DeleteEvent'],
    requestsPerPoll: KINDS.length,
    async poll(repo, signal) {
      const key = repo.fullName.toLowerCase();
      let repoState = state.get(key);
      if (!repoState) {
        repoState = { refs: undefined, pages: new Map() };
        state.set(key, repoState);
      }
      const current = new Map<string, string>();
      for (const kind of KINDS) {
        for (const [ref, sha] of await readKind(repo, kind, repoState.pages, signal)) {
          current.set(ref, sha);
        }
      }
      const previous = repoState.refs;
      if (previous === undefined) {
        repoState.refs = current;
        return [];
      }
      const moved = [...current].filter(([ref, head]) => previous.get(ref) !== head);
      const at = options.now();
      const drafts: EventDraft[] = [];
      if (moved.length > 0) {
        // Read before the baseline moves: a failed read leaves the change for the next poll.
        const info = await repo.info();
        for (const [ref, head] of moved) {
          const before = previous.get(ref);
          if (before === undefined) drafts.push(created(info, ref, at));
          drafts.push(pushed(info, ref, before ?? ZERO, head, at));
        }
      }
      repoState.refs = current;
      for (const ref of previous.keys()) {
        if (!current.has(ref)) drafts.push(deleted(ref, at));
      }
      return drafts;
    },
    reset: () => state.clear(),
  };
}

const short = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, '');
const refType = (ref: string) => (ref.startsWith('refs/tags/') ? 'tag' : 'branch');

function pushed(repo: RepoInfo, ref: string, before: string, head: string, at: number): EventDraft {
  return {
    type: 'PushEvent',
    actor: UNKNOWN_ACTOR,
    payload: { repository_id: repo.id, push_id: 0, ref, head, before },
    changedAt: at,
  };
}

function created(repo: RepoInfo, ref: string, at: number): EventDraft {
  return {
    type: 'CreateEvent',
    actor: UNKNOWN_ACTOR,
    payload: {
      ref: short(ref),
      ref_type: refType(ref),
      master_branch: repo.defaultBranch,
      description: null,
      pusher_type: 'user',
    },
    changedAt: at,
  };
}

function deleted(ref: string, at: number): EventDraft {
  return {
    type: 'DeleteEvent',
    actor: UNKNOWN_ACTOR,
    payload: { ref: short(ref), ref_type: refType(ref), pusher_type: 'user' },
    changedAt: at,
  };
}
