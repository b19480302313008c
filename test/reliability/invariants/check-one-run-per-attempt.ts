import type { InvariantResult, Violation } from './types.js';

/** One launch: `key` names what must run at most once (event, lane, attempt), `runId` what ran. */
export interface RunRecord {
  readonly event: string;
  readonly key: string;
  readonly runId: string;
}

/** No two runs for one (event, lane, attempt): each key has at most one distinct run. */
export function checkOneRunPerAttempt(runs: readonly RunRecord[]): InvariantResult {
  const invariant = 'one run per (event, lane, attempt)';
  const byKey = new Map<string, { event: string; ids: Set<string> }>();
  for (const r of runs) {
    const entry = byKey.get(r.key) ?? { event: r.event, ids: new Set<string>() };
    entry.ids.add(r.runId);
    byKey.set(r.key, entry);
  }
  const violations: Violation[] = [];
  for (const [key, { event, ids }] of byKey) {
    if (ids.size > 1)
      violations.push({
        invariant,
        event,
        detail: `${key} ran ${ids.size} times: ${[...ids].join(', ')}`,
      });
  }
  return {
    invariant,
    figures: `${byKey.size} (event, lane, attempt) launches, ${violations.length} run twice`,
    violations,
  };
}
