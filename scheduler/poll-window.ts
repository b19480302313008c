import { compareEventIds } from '../handlers/event.js';

/** The Events API shows at most this many events (and only the last 30 days). */
export const WINDOW_EVENTS = 300;
/** Seen ids kept beyond the window, for late deliveries that shuffle the order. */
export const SEEN_MARGIN = 100;

export interface WindowEvent {
  readonly id: string;
  readonly created_at?: unknown;
}

/** Distinct ids, newest (highest) first. */
export function idsNewestFirst(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => compareEventIds(b, a));
}

/** What the cursor keeps: the `keep` highest ids, newest first. Older ones left the window. */
export function pruneSeen(ids: Iterable<string>, keep = WINDOW_EVENTS + SEEN_MARGIN): string[] {
  return idsNewestFirst(ids).slice(0, keep);
}

/** The highest id, or undefined for none. */
export function highestId(ids: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const id of ids) if (best === undefined || compareEventIds(id, best) > 0) best = id;
  return best;
}

/**
 * New ids are those not seen before (not merely those above the highest seen); a new id below
 * the highest seen before is a late delivery.
 */
export function diffWindow(
  fetchedIds: Iterable<string>,
  seenBefore: ReadonlySet<string>,
  highestBefore: string | undefined,
): { fresh: string[]; late: Set<string> } {
  const fresh = idsNewestFirst([...fetchedIds].filter((id) => !seenBefore.has(id)));
  const late = new Set(
    highestBefore === undefined ? [] : fresh.filter((id) => compareEventIds(id, highestBefore) < 0),
  );
  return { fresh, late };
}

export interface Gap {
  /** Rough count of events that may have left the window unseen (at least 1). */
  readonly missed: number;
  readonly seenBefore: number;
  readonly fetched: number;
}

/**
 * A gap: something was seen before, yet nothing seen overlaps the window fetched, and either the
 * whole window was read (more events arrived than it holds) or everything fetched is newer than
 * everything seen (the seen events aged out). The estimate extrapolates the rate of the
 * fetched events back to the previous poll.
 */
export function detectGap(args: {
  readonly seenBefore: ReadonlySet<string>;
  readonly highestBefore: string | undefined;
  readonly fetched: readonly WindowEvent[];
  readonly windowExhausted: boolean;
  readonly lastPollAt: string | undefined;
}): Gap | undefined {
  const { seenBefore, fetched } = args;
  if (seenBefore.size === 0 || fetched.length === 0) return undefined;
  if (fetched.some((e) => seenBefore.has(e.id))) return undefined;
  const lowest = fetched.reduce((low, e) => (compareEventIds(e.id, low.id) < 0 ? e : low));
  const newerThanAllSeen =
    args.highestBefore !== undefined && compareEventIds(lowest.id, args.highestBefore) > 0;
  if (!args.windowExhausted && !newerThanAllSeen) return undefined;
  return {
    missed: estimateMissed(fetched, args.lastPollAt),
    seenBefore: seenBefore.size,
    fetched: fetched.length,
  };
}

function estimateMissed(fetched: readonly WindowEvent[], lastPollAt: string | undefined): number {
  const times = fetched
    .map((e) => (typeof e.created_at === 'string' ? Date.parse(e.created_at) : NaN))
    .filter((t) => Number.isFinite(t));
  const since = lastPollAt === undefined ? NaN : Date.parse(lastPollAt);
  if (times.length < 2 || !Number.isFinite(since)) return 1;
  const oldest = Math.min(...times);
  const newest = Math.max(...times);
  if (newest <= oldest || oldest <= since) return 1;
  const perMs = (times.length - 1) / (newest - oldest);
  return Math.max(1, Math.round(perMs * (oldest - since)));
}
