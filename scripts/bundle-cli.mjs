// `npm run build`, after tsc: bundles the `quickcd` command into dist/bundle/ (one module plus
// chunks that load only when used, such as the Kubernetes adapters). A runner starts in every
// Job, and loading ~400 separate modules cost more CPU than everything it then does.
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

// What every bundle here shares.
const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Handler names and error class names must survive; messages quote function names.
  keepNames: true,
  // V8 keeps the source text of every module it loads for the life of the process: without
  // whitespace the Kubernetes client's generated code is less than half its size (the
  // scheduler's RSS went from ~155 MB to ~85 MB with the client bundled and minified, see
  // bench/RESULTS.md). Names stay (keepNames), so stack frames still say which function;
  // `--enable-source-maps` maps them to the sources.
  minifyWhitespace: true,
  minifySyntax: true,
  // esbuild runs its own native binary: it stays a package. The Kubernetes client is bundled
  // (loaded only by the Kubernetes adapters' chunk): tree-shaken, it drops the APIs and models
  // quickcd never calls.
  external: ['esbuild'],
  alias: { 'whatwg-url': './scripts/bundle-shims/whatwg-url.mjs' },
  logLevel: 'warning',
};

await build({
  ...node,
  entryPoints: {
    quickcd: 'dist/cli/main.js',
    // Registered by URL (Node's loader thread), next to the bundle that registers it.
    'handlers-loader-hooks': 'dist/handlers/handlers-loader-hooks.js',
  },
  outdir: 'dist/bundle',
  splitting: true,
  format: 'esm',
  sourcemap: true,
  // CommonJS packages bundled into ESM may require Node's built-ins.
  banner: {
    js: "import { createRequire as __quickcdCreateRequire } from 'node:module'; const require = __quickcdCreateRequire(import.meta.url);",
  },
});

// The supervisor of every event's runner (cli/runner-supervisor.ts), alone in one file: each
// ES module Node loads costs CPU, and bin/quickcd.js loads this instead of the CLI.
const supervisor = 'dist/bundle/runner-supervisor.js';
await build({
  ...node,
  entryPoints: ['dist/cli/runner-supervisor.js'],
  outfile: supervisor,
  format: 'esm',
});
if (statSync(supervisor).size > 40_000) {
  throw new Error(
    `${supervisor} is ${statSync(supervisor).size} bytes: what made it big does not belong in every event's supervisor`,
  );
}

// The runner's V8 startup snapshot (cli/runner-snapshot.ts; README, "Cheap to start"): the runner's modules as one CommonJS script, the only form `node --build-snapshot`
// takes, then the snapshot itself, made by the Node.js that builds (the runner images make it
// again in place: it fits one Node.js binary and one directory).
const snapshotScript = 'dist/bundle/runner-snapshot.cjs';
const { metafile } = await build({
  ...node,
  entryPoints: ['dist/cli/runner-snapshot.js'],
  outfile: snapshotScript,
  format: 'cjs',
  alias: {
    ...node.alias,
    worker_threads: './scripts/bundle-shims/worker-threads-at-run-time.mjs',
  },
  // Same directory as the ESM bundle: paths made from import.meta.url are the same.
  define: { 'import.meta.url': '__quickcdModuleUrl' },
  banner: { js: "var __quickcdModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  metafile: true,
});
// Code restored from a snapshot can import nothing by itself: what it loads at run time goes
// through common/import-module.ts. Optional packages that ws and node-fetch try to require
// (and do without) are not installed here either. And a snapshot that holds worker_threads
// breaks module.register() (see the shim).
const OPTIONAL = new Set(['bufferutil', 'utf-8-validate', 'encoding']);
const cannotHold = (i) =>
  /^(node:)?worker_threads$/.test(i.path) ||
  (i.external && i.path !== '<runtime>' && !isBuiltin(i.path) && !OPTIONAL.has(i.path));
const escaping = Object.entries(metafile.inputs).flatMap(([from, { imports }]) =>
  imports.filter(cannotHold).map((i) => `${from} → ${i.path} (${i.kind})`),
);
if (escaping.length > 0) {
  throw new Error(
    `${snapshotScript}: imports a snapshot cannot hold (load them at run time with importModule; worker_threads only through its shim): ${escaping.join(', ')}`,
  );
}
buildRunnerSnapshot(snapshotScript);

function buildRunnerSnapshot(script) {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const made = spawnSync(
    process.execPath,
    ['--snapshot-blob', 'dist/bundle/runner.blob', '--build-snapshot', script],
    { env, encoding: 'utf8' },
  );
  if (made.status !== 0) {
    // Runners still work without it (they compile their modules); the build says so loudly.
    rmSync('dist/bundle/runner.blob.json', { force: true });
    process.stderr.write(
      `\nWARNING: no runner startup snapshot (node ${process.version} --build-snapshot ${script} exited ${made.status ?? made.signal}); every runner compiles its modules:\n${made.stderr}\n`,
    );
  }
}
