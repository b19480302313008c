import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `npm run bench`: cost measurements, reported as ratios; not part of `npm test`. */
export default defineConfig({
  resolve: {
    alias: { quickcd: fileURLToPath(new URL('../handlers/index.ts', import.meta.url)) },
  },
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['bench/**/*.bench.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One benchmark at a time: they measure time and CPU, and would disturb each other.
    fileParallelism: false,
  },
});
