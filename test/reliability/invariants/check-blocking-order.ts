import type { InvariantResult, JournalEntry, StoredRecord, Violation } from './types.js';

/**
 * Blocking order per repository: when a blocking handler starts for event b, no other
 * blocking run of that repository is in progress, and every event of the repository with a
 * lower id that was already stored has had its blocking handler complete. (An event stored
 * later — a late event — may run after higher ids: it was not known yet.)
 */
export function checkBlockingOrder(
  journal: readonly JournalEntry[],
  stored: readonly StoredRecord[],
): InvariantResult {
  const invariant = 'blocking order per repository';
  const violations: Violation[] = [];
  const blocking = journal.filter((e) => e.lane === 'blocking').sort((a, b) => a.t - b.t);
  const doneAt = new Map<string, number>();
  for (const e of blocking)
    if (e.phase === 'done' && !doneAt.has(`${e.repo}#${e.event}`))
      doneAt.set(`${e.repo}#${e.event}`, e.t);
  const open = new Map<string, JournalEntry>(); // `${repo}#${pid}` → start
  let starts = 0;
  for (const e of blocking) {
    const runKey = `${e.repo}#${e.pid}`;
    if (e.phase !== 'start') {
      open.delete(runKey);
      continue;
    }
    starts += 1;
    for (const other of open.values()) {
      if (other.repo === e.repo)
        violations.push({
          invariant,
          event: e.event,
          detail: `${e.repo}: ${e.handler} of ${e.event} started while ${other.event} (pid ${other.pid}) still ran`,
        });
    }
    open.set(runKey, e);
    const id = BigInt(e.event);
    for (const s of stored) {
      if (s.repo !== e.repo || BigInt(s.id) >= id || s.storedAt > e.t) continue;
      const done = doneAt.get(`${s.repo}#${s.id}`);
      if (done === undefined || done > e.t)
        violations.push({
          invariant,
          event: e.event,
          detail: `${e.repo}: ${e.event} started before the lower ${s.id} (stored first) completed`,
        });
    }
  }
  const repos = new Set(stored.map((s) => s.repo)).size;
  return {
    invariant,
    figures: `${starts} blocking starts in ${repos} repositories, ${violations.length} out of order`,
    violations,
  };
}
