import type { InvariantResult, JournalEntry, Violation, WantedEvent } from './types.js';

const runOf = (e: JournalEntry) => `${e.pid}/${e.event}/${e.handler}`;

/**
 * Every handler completed exactly once for every wanted event: twice is a handler run again
 * after it completed, never is a run lost. A completion by a runner the suite killed (its kill
 * landed after the handler finished, before the runner could report it) is no fault of
 * quickcd's — at least once is all it can do then — and is counted apart.
 */
export function checkCompletedOnce(
  journal: readonly JournalEntry[],
  wanted: readonly WantedEvent[],
  handlers: readonly string[],
): InvariantResult {
  const invariant = 'no handler completed twice';
  const violations: Violation[] = [];
  const killed = new Set(journal.filter((e) => e.phase === 'killed').map(runOf));
  const done = new Map<string, JournalEntry[]>();
  let killedAfterDone = 0;
  for (const e of journal) {
    if (e.phase !== 'done') continue;
    if (killed.has(runOf(e))) {
      killedAfterDone += 1;
      continue;
    }
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
  return {
    invariant,
    figures: `${wanted.length * handlers.length} (event, handler) pairs, completions per pair max ${max}; ${starts} handler starts, ${killed.size} runners killed mid-handler${killedAfterDone ? ` (${killedAfterDone} killed just after completing: not counted)` : ''}`,
    violations,
  };
}
