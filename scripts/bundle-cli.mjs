// `npm run build`, after tsc: bundles the `quickcd` command into dist/bundle/ (one module plus
// chunks that load only when used, such as the Kubernetes adapters). A runner starts in every
// Job, and loading ~400 separate modules cost more CPU than everything it then does.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: {
    quickcd: 'dist/cli/main.js',
    // Registered by URL (Node's loader thread), next to the bundle that registers it.
    'handlers-loader-hooks': 'dist/handlers/handlers-loader-hooks.js',
  },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
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
  sourcemap: true,
  // esbuild runs its own native binary: it stays a package. The Kubernetes client is bundled
  // (loaded only by the Kubernetes adapters' chunk): tree-shaken, it drops the APIs and models
  // quickcd never calls.
  external: ['esbuild'],
  alias: { 'whatwg-url': './scripts/bundle-shims/whatwg-url.mjs' },
  // CommonJS packages bundled into ESM may require Node's built-ins.
  banner: {
    js: "import { createRequire as __quickcdCreateRequire } from 'node:module'; const require = __quickcdCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
