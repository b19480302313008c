import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The source folders are layers and imports go down only (README, "Layout"): common/ at the
// bottom, then handlers/ (the SDK), then runner/ and scheduler/ side by side, cli/ on top.
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAY_IMPORT: Record<string, readonly string[]> = {
  common: ['common'],
  handlers: ['handlers', 'common'],
  runner: ['runner', 'handlers', 'common'],
  scheduler: ['scheduler', 'handlers', 'common'],
  cli: ['cli', 'runner', 'scheduler', 'handlers', 'common'],
};
const KUBERNETES_ADAPTER = 'scheduler/kubernetes/';

/** Relative module specifiers of `source`: static imports and exports, and `import()`. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** The wrong-way imports of the file at `path` (relative to the root) with `source`. */
function wrongWayImports(path: string, source: string): string[] {
  const layer = path.split('/')[0]!;
  const allowed = MAY_IMPORT[layer];
  if (!allowed) return [];
  const problems: string[] = [];
  for (const spec of specifiers(source)) {
    const target = relative(ROOT, resolve(ROOT, dirname(path), spec))
      .split('\\')
      .join('/');
    const targetLayer = target.split('/')[0]!;
    if (target.startsWith('..') || !(targetLayer in MAY_IMPORT)) continue;
    if (!allowed.includes(targetLayer)) {
      problems.push(`${path} imports ${target} (${layer}/ may import only ${allowed.join(', ')})`);
    } else if (
      layer === 'scheduler' &&
      !path.startsWith(KUBERNETES_ADAPTER) &&
      target.startsWith(KUBERNETES_ADAPTER)
    ) {
      problems.push(`${path} imports ${target} (the scheduler's core never imports its adapter)`);
    }
  }
  return problems;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('import layers', () => {
  it('finds a wrong-way import (common importing the SDK, the core importing its adapter)', () => {
    expect(wrongWayImports('common/x.ts', "import { on } from '../handlers/on.js';")).toEqual([
      'common/x.ts imports handlers/on.js (common/ may import only common)',
    ]);
    expect(
      wrongWayImports('runner/x.ts', "const m = await import('../scheduler/clock.js');"),
    ).toHaveLength(1);
    expect(
      wrongWayImports('scheduler/x.ts', "export { jobName } from './kubernetes/names.js';"),
    ).toHaveLength(1);
    expect(wrongWayImports('scheduler/kubernetes/x.ts', "import '../run-name.js';")).toEqual([]);
    expect(
      wrongWayImports('cli/x.ts', "import { a } from '../scheduler/kubernetes/a.js';"),
    ).toEqual([]);
  });

  it('no source file imports a folder above its own', () => {
    const files = Object.keys(MAY_IMPORT).flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(100);
    const problems = files.flatMap((path) =>
      wrongWayImports(path, readFileSync(join(ROOT, path), 'utf8')),
    );
    expect(problems).toEqual([]);
  });
});
