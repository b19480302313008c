import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Shell } from '../shell.js';

const NO_COMMIT = /^0+$/;

/**
 * The charts a change touches: the top-level directories holding a `Chart.yaml` in which
 * `git diff --name-only base..head` (run in `root`) finds a changed file, sorted. A `base` of
 * zeros (a new branch) or none means every chart. A chart deleted by the change is not listed.
 */
export async function changedCharts(
  sh: Shell,
  root: string,
  base: string | undefined,
  head: string,
): Promise<string[]> {
  let dirs: Iterable<string>;
  if (base === undefined || NO_COMMIT.test(base)) {
    dirs = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } else {
    const files = await sh`git diff --name-only ${`${base}..${head}`}`;
    dirs = new Set(
      files
        .split('\n')
        .filter((f) => f.includes('/'))
        .map((f) => f.slice(0, f.indexOf('/'))),
    );
  }
  return [...dirs].filter((d) => existsSync(join(root, d, 'Chart.yaml'))).sort();
}
