import type { InvariantResult, StoredRecord, Violation, WantedEvent } from './types.js';

const key = (repo: string, id: string) => `${repo.toLowerCase()}#${id}`;

/**
 * Events wanted = events stored, and every stored one handled: nothing lost, nothing stored
 * that no handler wants.
 */
export function checkNothingLost(
  wanted: readonly WantedEvent[],
  stored: readonly StoredRecord[],
): InvariantResult {
  const invariant = 'nothing lost';
  const violations: Violation[] = [];
  const storedByKey = new Map(stored.map((s) => [key(s.repo, s.id), s]));
  const wantedKeys = new Set(wanted.map((w) => key(w.repo, w.id)));
  for (const w of wanted) {
    const s = storedByKey.get(key(w.repo, w.id));
    if (!s) violations.push({ invariant, event: w.id, detail: `${w.repo} ${w.id} never stored` });
    else if (s.status !== 'handled')
      violations.push({ invariant, event: w.id, detail: `${w.repo} ${w.id} ended ${s.status}` });
  }
  for (const s of stored) {
    if (!wantedKeys.has(key(s.repo, s.id)))
      violations.push({ invariant, event: s.id, detail: `${s.repo} ${s.id} stored, not wanted` });
  }
  const handled = stored.filter((s) => s.status === 'handled').length;
  return {
    invariant,
    figures: `events wanted ${wanted.length}, stored ${stored.length}, handled ${handled}`,
    violations,
  };
}
