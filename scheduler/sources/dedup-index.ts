import type { GitHubEvent } from '../../handlers/event.js';
import type { EventStore, StoredEvent } from '../ports/event-store.js';
import { scanStoredEvents } from '../scan-stored-events.js';
import { eventIdentity } from './event-identity.js';
import { isSyntheticId } from './synthetic-id.js';

/** What to do with an event one source saw, given what the other sources saw. */
export type Admission =
  | { readonly kind: 'new' }
  /** Already stored, or already recorded on its counterpart: nothing to do. */
  | { readonly kind: 'known' }
  /** The same change is stored as `target`: record this one on it, store nothing. */
  | { readonly kind: 'matched'; readonly target: string }
  /** A push collapsed into the newer synthesised push `by`: store it superseded. */
  | { readonly kind: 'superseded'; readonly by: string };

interface Entry {
  readonly id: string;
  readonly identity: string | undefined;
  readonly synthetic: boolean;
  matchedId: string | undefined;
  readonly ref: string | undefined;
  readonly head: string | undefined;
  /**
   * A synthesised push: the shas it covers (its before and head, and those it superseded);
   * undefined for the others (most of a long history: an empty Set apiece was ~1 MB in 10,000).
   */
  chain: Set<string> | undefined;
}

export interface DedupIndex {
  admit(event: GitHubEvent): Promise<Admission>;
  /** The event will be stored (or was): later counterparts match it. */
  note(event: GitHubEvent, extra?: { matchedId?: string; supersededBy?: string }): void;
  /** `target` was recorded as matched by `id`. */
  matched(repo: string, target: string, id: string): void;
  /** The entry is not in the store (its filters did not match): forget it. */
  forget(repo: string, id: string): void;
  /** Whether `id` is used in `repo` (for synthetic ids). */
  taken(repo: string, id: string): boolean;
}

const key = (repo: string) => repo.toLowerCase();

function pushFields(event: GitHubEvent): { ref?: string; before?: string; head?: string } {
  if (event.type !== 'PushEvent') return {};
  const p = event.payload as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: { ref?: string; before?: string; head?: string } = {};
  const ref = s(p.ref);
  const before = s(p.before);
  const head = s(p.head);
  if (ref !== undefined) out.ref = ref;
  if (before !== undefined) out.before = before;
  if (head !== undefined) out.head = head;
  return out;
}

/** Adds `shas` (those known) to the chain of the synthesised push `entry`. */
function cover(entry: Entry, shas: readonly (string | undefined)[]): void {
  for (const sha of shas) if (sha) (entry.chain ??= new Set()).add(sha);
}

const isSynthetic = (event: GitHubEvent) =>
  (event.source !== undefined && event.source !== 'events-api') || isSyntheticId(event.id);

/**
 * The identities of the stored events of each repository, read once from the store (so a
 * restart loses nothing) and kept up to date: a change seen by one source is matched to the
 * same change seen by another, one to one, whichever came first (issue 14, "One event, one
 * run"). Pushes also match by chain: a synthesised push A→C (two pushes inside one fast-poll
 * interval) is the real B→C (the newer head wins) and supersedes the real A→B.
 */
export function createDedupIndex(store: EventStore): DedupIndex {
  const repos = new Map<string, Map<string, Entry>>();
  const loading = new Map<string, Promise<Map<string, Entry>>>();

  function entryOf(event: GitHubEvent, matchedId?: string): Entry {
    const push = pushFields(event);
    const synthetic = isSynthetic(event);
    return {
      id: event.id,
      identity: eventIdentity(event),
      synthetic,
      matchedId,
      ref: push.ref,
      head: push.head,
      chain: synthetic
        ? new Set([push.before, push.head].filter((s): s is string => s !== undefined))
        : undefined,
    };
  }

  async function load(repo: string): Promise<Map<string, Entry>> {
    const existing = repos.get(key(repo));
    if (existing) return existing;
    let pending = loading.get(key(repo));
    if (!pending) {
      // Scanned, not listed: only the identities are kept, not the stored events.
      const entries = new Map<string, Entry>();
      const superseded: { by: string; shas: (string | undefined)[] }[] = [];
      pending = scanStoredEvents(store, { repo }, (s: StoredEvent) => {
        entries.set(s.id, entryOf(s.event, s.matched?.id));
        if (s.supersededBy === undefined) return;
        const push = pushFields(s.event);
        superseded.push({ by: s.supersededBy, shas: [push.before, push.head] });
      }).then(() => {
        for (const { by, shas } of superseded) {
          const covering = entries.get(by);
          if (covering) cover(covering, shas);
        }
        repos.set(key(repo), entries);
        return entries;
      });
      loading.set(key(repo), pending);
      pending.finally(() => loading.delete(key(repo))).catch(() => undefined);
    }
    return pending;
  }

  return {
    async admit(event) {
      const entries = await load(event.repo.name);
      if (entries.has(event.id)) return { kind: 'known' };
      for (const e of entries.values()) if (e.matchedId === event.id) return { kind: 'known' };
      const identity = eventIdentity(event);
      if (identity === undefined) return { kind: 'new' };
      const synthetic = isSynthetic(event);
      const others = [...entries.values()].filter((e) => e.synthetic !== synthetic);
      const same = others.find((e) => e.matchedId === undefined && e.identity === identity);
      if (same) return { kind: 'matched', target: same.id };
      const push = pushFields(event);
      if (push.ref === undefined || push.head === undefined) return { kind: 'new' };
      const onRef = others.filter((e) => e.ref === push.ref);
      const newer = onRef.find((e) => e.matchedId === undefined && e.head === push.head);
      if (newer) return { kind: 'matched', target: newer.id };
      if (!synthetic) {
        const covering = onRef.find(
          (e) =>
            e.head !== push.head &&
            ((push.before !== undefined && e.chain?.has(push.before)) || e.chain?.has(push.head!)),
        );
        if (covering) {
          cover(covering, [push.before, push.head]);
          return { kind: 'superseded', by: covering.id };
        }
      }
      return { kind: 'new' };
    },
    note(event, extra = {}) {
      const entries = repos.get(key(event.repo.name));
      if (!entries) return;
      const matchedId = extra.matchedId ?? (extra.supersededBy === undefined ? undefined : '');
      entries.set(event.id, entryOf(event, matchedId));
    },
    matched(repo, target, id) {
      const entry = repos.get(key(repo))?.get(target);
      if (entry) entry.matchedId = id;
    },
    forget(repo, id) {
      repos.get(key(repo))?.delete(id);
    },
    taken(repo, id) {
      return repos.get(key(repo))?.has(id) ?? false;
    },
  };
}
