import { expect, it } from 'vitest';
import { collectGarbage } from '../../../common/collect-garbage.js';

it('collectGarbage collects what is unreachable, at once', async () => {
  let buffers: Buffer[] | undefined = Array.from({ length: 8 }, () => Buffer.alloc(1 << 20, 1));
  const ref = new WeakRef(buffers);
  buffers = undefined;
  expect(buffers).toBeUndefined();
  // A WeakRef keeps its target alive until the current job ends.
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  expect(ref.deref()).toBeUndefined();
});
