// Without Go on a contributor's machine: the real-cluster tests say what to install and are
// skipped, the rest of the suite runs; in CI a missing Go fails them instead.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathWithoutGo } from '../../support/cluster/path-without-go.js';
import { tempDir } from '../../support/fixtures.js';
import { REPO_ROOT } from '../../support/run-cli.js';

const CLUSTER_FILE = 'test/integration/cluster/standalone.test.ts';
const PLAIN_FILE = 'test/unit/common/run-result.test.ts';
const INSTALL = /Go is not installed: the real-cluster tests need Go >= \d+\.\d+ .*go\.dev\/dl/;

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface JsonReport {
  testResults: { name: string; assertionResults: { status: string }[] }[];
}

/** vitest on a cluster test file and a plain one, with no `go` on PATH. */
async function vitestWithoutGo(ci: string) {
  const dir = tempDir('quickcd-without-go-');
  dirs.push(dir);
  const report = join(dir, 'report.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: pathWithoutGo(dir),
    CI: ci,
    NO_COLOR: '1',
  };
  delete env.QUICKCD_CLUSTER_BIN_DIR;
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      CLUSTER_FILE,
      PLAIN_FILE,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const json = JSON.parse(await readFile(report, 'utf8')) as JsonReport;
  const statuses = (file: string): string[] =>
    json.testResults.find((r) => r.name.endsWith(file))?.assertionResults.map((a) => a.status) ?? [
      '(no result)',
    ];
  return { code, output, cluster: statuses(CLUSTER_FILE), plain: statuses(PLAIN_FILE) };
}

describe('the suite without Go', { timeout: 120_000 }, () => {
  it('skips the real-cluster tests saying what to install; the rest runs', async () => {
    const run = await vitestWithoutGo('');
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(
      new RegExp(`real-cluster tests skipped: test/cluster/build failed, .*${INSTALL.source}`),
    );
    expect(run.cluster.length).toBeGreaterThan(0);
    expect(run.cluster.every((s) => s === 'skipped' || s === 'pending')).toBe(true);
    expect(run.plain.length).toBeGreaterThan(0);
    expect(run.plain.every((s) => s === 'passed')).toBe(true);
  });

  it('in CI (CI=true) fails the real-cluster tests instead, with the same words', async () => {
    const run = await vitestWithoutGo('true');
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(INSTALL);
    expect(run.plain.every((s) => s === 'passed')).toBe(true);
  });
});
