import { describe, expect, it } from 'vitest';
import { createRng } from '../../reliability/support/create-rng.js';

describe('createRng', () => {
  it('draws the same sequence for the same seed, another for another seed', () => {
    const draw = (seed: number) => {
      const rng = createRng(seed);
      return Array.from({ length: 5 }, () => rng.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });
  it('keeps forked streams independent of draws on the parent', () => {
    const a = createRng(1);
    const b = createRng(1);
    b.next();
    expect(a.fork('kills').next()).toBe(b.fork('kills').next());
    expect(a.fork('kills').next()).not.toBe(a.fork('events').next());
  });
  it('stays within bounds', () => {
    const rng = createRng(9);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(2, 4);
      expect(n >= 2 && n <= 4 && Number.isInteger(n)).toBe(true);
    }
    expect(() => rng.pick([])).toThrow(/non-empty/);
  });
});
