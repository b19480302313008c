import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/**
 * This checkout's root, found from this module wherever it runs: its source under test/support,
 * or a bundle of it under node_modules/.cache (the standalone launchers).
 */
export function repoRoot(): string {
  if (found !== undefined) return found;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (
      existsSync(join(dir, 'test', 'cluster', 'build')) &&
      existsSync(join(dir, 'bin', 'quickcd.js'))
    ) {
      found = dir;
      return dir;
    }
    if (dirname(dir) === dir)
      throw new Error('cannot find the quickcd checkout above ' + import.meta.url);
  }
}
