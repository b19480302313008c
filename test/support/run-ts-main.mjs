// Runs a TypeScript module's `main(argv)` without a TypeScript runtime: bundles it with esbuild
// (a dependency of quickcd) into a temporary file inside the repository, so that bare imports
// resolve from its node_modules, and imports it.
import { mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** @param {URL} entry the .ts file exporting `main(argv: string[])` */
export async function runTsMain(entry, argv) {
  const dir = fileURLToPath(
    new URL('../../node_modules/.cache/quickcd-standalone/', import.meta.url),
  );
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${basename(fileURLToPath(entry), '.ts')}-${process.pid}.mjs`);
  await build({
    entryPoints: [fileURLToPath(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  process.once('exit', () => rmSync(outfile, { force: true }));
  const { main } = await import(pathToFileURL(outfile).href);
  await main(argv);
}
