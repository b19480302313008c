import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const lock = JSON.parse(
  readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8'),
) as { packages: Record<string, { engines?: { node?: string }; dev?: boolean }> };

/** The lowest Node version each `||` alternative of an `engines.node` range needs. */
function lowestMajorNeeded(range: string): number {
  const alternatives = range.split('||').map((alt) => {
    const match = />=\s*v?(\d+)|\^\s*v?(\d+)|^\s*v?(\d+)/.exec(alt.trim());
    return Number(match?.[1] ?? match?.[2] ?? match?.[3] ?? 0);
  });
  return Math.min(...alternatives);
}

describe('package-lock.json', () => {
  it('installs no package that wants a newer Node than 20 (npm ci prints no engine warning)', () => {
    const tooNew = Object.entries(lock.packages)
      .filter(([, p]) => typeof p.engines?.node === 'string')
      .filter(([, p]) => lowestMajorNeeded(p.engines!.node!) > 20)
      .map(([path, p]) => `${path} (node ${p.engines!.node})`);
    expect(tooNew).toEqual([]);
  });
});
