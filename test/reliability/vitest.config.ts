import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run test:reliability`: the seeded chaos suite; not part of `npm test`. */
export default defineConfig({
  resolve: {
    alias: { quickcd: fileURLToPath(new URL('../../handlers/index.ts', import.meta.url)) },
  },
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/reliability/**/*.chaos.ts'],
    testTimeout: 900_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // One scenario at a time: each runs several schedulers and many runners on two cores.
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
