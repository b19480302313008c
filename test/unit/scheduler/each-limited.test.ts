import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../../scheduler/each-limited.js';

describe('eachLimited', () => {
  it('calls every item, never more than the limit at a time', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      seen.push(n);
      running--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('rejects with the first failure once the calls in flight have settled, starting no more', async () => {
    const started: number[] = [];
    let inFlight = 0;
    const done = eachLimited([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      inFlight++;
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (n === 2) throw new Error('boom 2');
    });
    await expect(done).rejects.toThrow('boom 2');
    expect(inFlight).toBe(0);
    expect(started).toEqual([1, 2, 3]);
  });
});
