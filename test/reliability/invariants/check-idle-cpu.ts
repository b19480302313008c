import type { InvariantResult, Violation } from './types.js';

/** CPU a scheduler process used while no event was in flight. */
export interface IdleSample {
  readonly process: string;
  readonly cpuMs: number;
  readonly wallMs: number;
}

/** The scheduler is idle between events: each sample's share of one core stays under `maxShare`. */
export function checkIdleCpu(samples: readonly IdleSample[], maxShare: number): InvariantResult {
  const invariant = 'scheduler CPU idle between events';
  const violations: Violation[] = [];
  const figures = samples.map((s) => {
    const share = s.wallMs > 0 ? s.cpuMs / s.wallMs : Infinity;
    if (!(share < maxShare))
      violations.push({
        invariant,
        detail: `${s.process} used ${(share * 100).toFixed(1)}% of a core while idle (max ${(maxShare * 100).toFixed(0)}%): a hot loop`,
      });
    return `${s.process} ${(share * 100).toFixed(1)}% of a core (${s.cpuMs} ms CPU in ${(s.wallMs / 1000).toFixed(1)} s)`;
  });
  return {
    invariant,
    figures: `${figures.join('; ') || 'no sample'}, max ${(maxShare * 100).toFixed(0)}%`,
    violations: samples.length ? violations : [{ invariant, detail: 'no idle CPU sample taken' }],
  };
}
