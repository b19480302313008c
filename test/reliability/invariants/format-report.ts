import type { InvariantResult } from './types.js';

/**
 * The figures of a chaos run, one line per invariant, and for each broken one the seed (to
 * replay it) and the event that broke it.
 */
export function formatReport(
  scenario: string,
  seed: number,
  results: readonly InvariantResult[],
  replay = `npm run test:reliability -- --seed ${seed}`,
): { text: string; ok: boolean } {
  const lines = [`chaos ${scenario}, seed ${seed}:`];
  let ok = true;
  for (const r of results) {
    lines.push(`  ${r.violations.length ? 'FAIL' : 'ok  '} ${r.invariant}: ${r.figures}`);
    for (const v of r.violations.slice(0, 10)) {
      ok = false;
      lines.push(
        `       broken (seed ${seed})${v.event === undefined ? '' : ` by event ${v.event}`}: ${v.detail}`,
      );
    }
    if (r.violations.length > 10) lines.push(`       … and ${r.violations.length - 10} more`);
  }
  if (!ok) lines.push(`  replay: ${replay}`);
  return { text: lines.join('\n'), ok };
}
