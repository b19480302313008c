import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { quickcd: fileURLToPath(new URL('./handlers/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    typecheck: { enabled: true, include: ['test/types/**/*.test-d.ts'] },
  },
});
