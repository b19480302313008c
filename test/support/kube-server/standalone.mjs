// Launcher for standalone.ts without a TypeScript runtime: bundles it with esbuild (a
// dependency of quickcd) into a temporary file and runs it. Usage:
//   node test/support/kube-server/standalone.mjs --kubeconfig <path> [--port N] [--namespace ns]
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

// Inside the repository so that bare imports resolve from its node_modules.
const dir = fileURLToPath(
  new URL('../../../node_modules/.cache/quickcd-kube-server/', import.meta.url),
);
mkdirSync(dir, { recursive: true });
const outfile = join(dir, `standalone-${process.pid}.mjs`);
await build({
  entryPoints: [fileURLToPath(new URL('./standalone.ts', import.meta.url))],
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
await main(process.argv.slice(2));
