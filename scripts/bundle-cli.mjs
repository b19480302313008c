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
  sourcemap: true,
  // esbuild runs its own native binary: it stays a package. So does the Kubernetes client
  // (loaded only by Kubernetes adapters): bundled, its tree-shaken copy coincided with a
  // failover test that stopped passing reliably (the standby never took the Lease over); kept
  // as the package it was tested as until that is understood.
  external: ['esbuild', '@kubernetes/client-node'],
  // CommonJS packages bundled into ESM may require Node's built-ins.
  banner: {
    js: "import { createRequire as __quickcdCreateRequire } from 'node:module'; const require = __quickcdCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
