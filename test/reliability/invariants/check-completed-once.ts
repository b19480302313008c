import type { InvariantResult, JournalEntry, Violation, WantedEvent } from './types.js';

/**
 * Every handler completed exactly once for every wanted event: twice is a handler run again
 * after it completed, never is a run lost.
 */
export function checkCompletedOnce(
  journal: readonly JournalEntry[],
  wanted: readonly WantedEvent[],
  handlers: readonly string[],
): InvariantResult {
  const invariant = 'no handler completed twice';
  const violations: Violation[] = [];
  const done = new Map<string, JournalEntry[]>();
  for (const e of journal) {
    if (e.phase !== 'done') continue;
    const key = `${e.event}/${e.handler}`;
    done.set(key, [...(done.get(key) ?? []), e]);
  }
  let max = 0;
  for (const w of wanted) {
    for (const h of handlers) {
      const runs = done.get(`${w.id}/${h}`) ?? [];
      const n = runs.length;
      max = Math.max(max, n);
      const where = runs.map(
        (r) => `pid ${r.pid}${r.run ? ` in ${r.run}` : ''} at ${new Date(r.t).toISOString()}`,
      );
      if (n > 1)
        violations.push({
          invariant,
          event: w.id,
          detail: `${h} completed ${n} times (${where.join(', ')})`,
        });
      if (n === 0) violations.push({ invariant, event: w.id, detail: `${h} never completed` });
    }
  }
  const starts = journal.filter((e) => e.phase === 'start').length;
  const kills = journal.filter((e) => e.phase === 'killed').length;
  return {
    invariant,
    figures: `${wanted.length * handlers.length} (event, handler) pairs, completions per pair max ${max}; ${starts} handler starts, ${kills} runners killed mid-handler`,
    violations,
  };
}
