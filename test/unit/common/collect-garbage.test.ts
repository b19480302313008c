import { expect, it } from 'vitest';
import { collectGarbage } from '../../../common/collect-garbage.js';

it('collectGarbage frees unreachable buffers held outside the heap, at once', () => {
  collectGarbage();
  const before = process.memoryUsage().external;
  let buffers: Buffer[] | undefined = Array.from({ length: 64 }, () => Buffer.alloc(1 << 20, 1));
  expect(process.memoryUsage().external - before).toBeGreaterThan(60 << 20);
  buffers = undefined;
  collectGarbage();
  expect(buffers).toBeUndefined();
  expect(process.memoryUsage().external - before).toBeLessThan(8 << 20);
});
