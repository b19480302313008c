import { expect, it } from 'vitest';
import { collectGarbage } from '../../../common/collect-garbage.js';
import { eventually } from '../../support/eventually.js';

it('collectGarbage frees unreachable buffers held outside the heap, at once', async () => {
  collectGarbage();
  const before = process.memoryUsage().external;
  let buffers: Buffer[] | undefined = Array.from({ length: 64 }, () => Buffer.alloc(1 << 20, 1));
  expect(process.memoryUsage().external - before).toBeGreaterThan(60 << 20);
  buffers = undefined;
  collectGarbage();
  expect(buffers).toBeUndefined();
  // V8 releases the collected buffers' memory on a background thread, just after.
  await eventually(
    () => process.memoryUsage().external - before < 8 << 20,
    'the buffers released',
    2000,
  );
});
