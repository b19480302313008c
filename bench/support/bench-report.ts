import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

const RESULTS = fileURLToPath(new URL('../RESULTS.md', import.meta.url));

export interface BenchRow {
  readonly measure: string;
  readonly result: string;
  /** The target it is measured against, and whether it is met. */
  readonly target?: string;
  readonly met?: boolean;
}

/**
 * Rows of one benchmark file: printed when the file ends and written into its own section of
 * bench/RESULTS.md (the other sections stay as their last run left them), with the machine,
 * date and versions of this run.
 */
export function benchReport(title: string): (row: BenchRow) => void {
  const rows: BenchRow[] = [];
  afterAll(() => {
    if (rows.length === 0) return; // skipped: the last run's section stays
    const table = [
      '| measure | result | target |',
      '|---|---|---|',
      ...rows.map(
        (r) =>
          `| ${r.measure} | ${r.result} | ${r.target === undefined ? '' : `${r.target} ${r.met ? '✅' : '❌'}`} |`,
      ),
    ].join('\n');
    console.log(`\n${title}\n${'-'.repeat(80)}\n${table}\n`);
    writeSection(title, `${table}\n\n_${runInfo()}_`);
  });
  return (row) => rows.push(row);
}

function runInfo(): string {
  const cpu = cpus();
  return [
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
    `quickcd ${(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version}`,
  ].join(', ');
}

function writeSection(title: string, body: string): void {
  const start = `<!-- bench: ${title} -->`;
  const end = `<!-- /bench: ${title} -->`;
  let text = existsSync(RESULTS)
    ? readFileSync(RESULTS, 'utf8')
    : '# Benchmark results\n\nWritten by `npm run bench` (each section by its benchmark file, on its last run).\n';
  const section = `${start}\n## ${title}\n\n${body}\n${end}`;
  const at = text.indexOf(start);
  const stop = text.indexOf(end);
  text =
    at >= 0 && stop > at
      ? text.slice(0, at) + section + text.slice(stop + end.length)
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS, text);
}
