#!/usr/bin/env node
// npm run test:reliability [-- --seed <n>] [--short] [--scenario file|kubernetes]
// Draws (or takes) the seed, prints it first, and runs the chaos suite with it.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage =
  'usage: npm run test:reliability [-- --seed <0…4294967295>] [--short] [--scenario file|kubernetes]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      seed: { type: 'string' },
      short: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (error) {
  console.error(`test:reliability: ${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const seed = values.seed === undefined ? randomInt(0, 2 ** 32) : Number(values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
  console.error(
    `test:reliability: --seed expects an integer 0…4294967295, got ${values.seed}\n${usage}`,
  );
  process.exit(2);
}
const scenarios = {
  file: 'test/reliability/file-store.chaos.ts',
  kubernetes: 'test/reliability/kubernetes.chaos.ts',
};
if (values.scenario !== undefined && !(values.scenario in scenarios)) {
  console.error(
    `test:reliability: --scenario expects file or kubernetes, got ${values.scenario}\n${usage}`,
  );
  process.exit(2);
}
const profile = values.short ? 'short' : 'full';
console.log(
  `test:reliability: seed ${seed} (${profile}); replay with npm run test:reliability -- --seed ${seed}${values.short ? ' --short' : ''}`,
);
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const result = spawnSync(
  'npx',
  [
    'vitest',
    'run',
    '--config',
    'test/reliability/vitest.config.ts',
    ...(values.scenario ? [scenarios[values.scenario]] : []),
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, QUICKCD_CHAOS_SEED: String(seed), QUICKCD_CHAOS_PROFILE: profile },
  },
);
if (result.status !== 0)
  console.error(
    `test:reliability: FAILED with seed ${seed}; replay with npm run test:reliability -- --seed ${seed}${values.short ? ' --short' : ''}`,
  );
process.exit(result.status ?? 1);
