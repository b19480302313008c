import { createHash } from 'node:crypto';
import { isBuiltin } from 'node:module';
import { basename, dirname, extname, isAbsolute, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Message, Plugin } from 'esbuild';
import { QuickcdError, errorMessage } from '../common/errors.js';
import { importModule } from '../common/import-module.js';
import { SDK_MODULES, sdkShimSource } from './sdk-global.js';

/** First line of every bundle: how the runner tells a bundle from a source file. */
export const BUNDLE_BANNER = '// quickcd handlers bundle of ';

const SDK_NAMESPACE = 'quickcd-sdk';

/** quickcd's own package directory: bare imports it provides stay external. */
const QUICKCD_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface HandlersBundle {
  /** The handlers file it was built from (absolute path). */
  readonly entry: string;
  /**
   * One ES module: the entry file and everything it imports, but `quickcd` and packages quickcd
   * itself provides. Names kept (`function deploy` stays `deploy`), inline source map pointing
   * at the original files.
   */
  readonly code: string;
  /** SHA-256 of `code`, hex. */
  readonly hash: string;
  /** File name to publish it under: the entry's name with `.mjs`. */
  readonly fileName: string;
  /** What went into it, largest first (bytes of output each contributes). */
  readonly inputs?: readonly { readonly path: string; readonly bytes: number }[];
}

/**
 * Bundles a handlers file with esbuild into one self-contained module: what every executor
 * runs, so a handlers file may import its own modules (`./lib/deploy.js`, `.ts` siblings
 * included) and packages installed next to it. An import that cannot be resolved fails here,
 * naming the importing file, the import and the fix.
 */
export async function bundleHandlers(file: string): Promise<HandlersBundle> {
  const entry = resolvePath(file);
  const { build, stop } = await importModule<typeof import('esbuild')>('esbuild');
  const outfile = resolvePath(dirname(entry), `${basename(entry, extname(entry))}.bundle.mjs`);
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      outfile,
      absWorkingDir: dirname(entry),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Handler names default to function names, and completion is remembered by name:
      // esbuild must not rename `deploy` to `deploy2` when two modules both have one.
      keepNames: true,
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
      // CommonJS packages bundled into ESM may require Node's built-ins.
      banner: {
        js: [
          `${BUNDLE_BANNER}${entry}`,
          "import { createRequire as __quickcdCreateRequire } from 'node:module';",
          'const require = __quickcdCreateRequire(import.meta.url);',
        ].join('\n'),
      },
      plugins: [resolveBareImports(entry)],
      metafile: true,
    });
  } catch (error) {
    throw bundleError(entry, error);
  } finally {
    // esbuild's service process would otherwise live on: in a runner, among the processes the
    // handlers left running.
    await stop();
  }
  const { outputFiles, metafile } = result;
  const js = outputFiles.find((f) => f.path.endsWith('.mjs'))?.text ?? '';
  const map = JSON.parse(outputFiles.find((f) => f.path.endsWith('.map'))?.text ?? '{}') as {
    sources?: string[];
  };
  // Absolute sources: the bundle is moved (a temp file, a ConfigMap mount) before it runs.
  map.sources = (map.sources ?? []).map(
    (s) => pathToFileURL(resolvePath(dirname(outfile), s)).href,
  );
  // What the bundle still imports at run time, besides Node's built-ins and the SDK: the
  // runner resolves these from quickcd's own dependencies (a loader it starts only then).
  const externals = [
    ...new Set(
      Object.values(metafile.outputs)
        .flatMap((o) => o.imports)
        .filter((i) => i.external && !isBuiltin(i.path))
        .map((i) => i.path),
    ),
  ].sort();
  const code = `${js.replace(/\/\/# sourceMappingURL=\S*\s*$/, '')}${EXTERNALS_LINE}${JSON.stringify(externals)}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
  return {
    entry,
    code,
    hash: createHash('sha256').update(code).digest('hex'),
    fileName: `${basename(entry, extname(entry))}.mjs`,
    inputs: Object.values(metafile.outputs)
      .flatMap((o) => Object.entries(o.inputs))
      .map(([path, { bytesInOutput }]) => ({
        path: resolvePath(dirname(entry), path),
        bytes: bytesInOutput,
      }))
      .sort((a, b) => b.bytes - a.bytes),
  };
}

const EXTERNALS_LINE = '// quickcd bundle externals: ';

/**
 * The packages a bundle imports at run time from quickcd's dependencies (`@octokit/rest`,
 * `zod`, `quickcd/…`); unknown (a bundle without the line) counts as some.
 */
export function bundleExternals(code: string): readonly string[] | undefined {
  const at = code.lastIndexOf(`\n${EXTERNALS_LINE}`);
  if (at < 0) return undefined;
  const line = code.slice(at + 1 + EXTERNALS_LINE.length, code.indexOf('\n', at + 1));
  try {
    const list: unknown = JSON.parse(line);
    return Array.isArray(list) ? list.map(String) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `code` is a bundle made by {@link bundleHandlers}; its entry file if so. */
export function bundleEntry(code: string): string | undefined {
  if (!code.startsWith(BUNDLE_BANNER)) return undefined;
  return code.slice(BUNDLE_BANNER.length, code.indexOf('\n')).trim();
}

/**
 * `quickcd` is the running quickcd's SDK, read from a global ({@link sdkShimSource}). Other bare imports are bundled when they
 * resolve from the handlers file's directory (packages installed next to it); those only
 * quickcd provides (`@octokit/rest`, `zod`…) stay external, resolved at run time from quickcd.
 */
function resolveBareImports(entry: string): Plugin {
  return {
    name: 'quickcd-bare-imports',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if ((args.pluginData as { inner?: boolean } | undefined)?.inner) return undefined;
        const spec = args.path;
        if (spec === 'quickcd' || spec in SDK_MODULES)
          return { path: spec, namespace: SDK_NAMESPACE };
        if (spec.startsWith('quickcd/') || isBuiltin(spec)) {
          return { path: spec, external: true };
        }
        if (/^[a-z][a-z0-9+.-]*:/i.test(spec) || isAbsolute(spec)) return undefined;
        const options = { kind: args.kind, importer: args.importer, pluginData: { inner: true } };
        const local = await build.resolve(spec, { ...options, resolveDir: args.resolveDir });
        if (local.errors.length === 0) return local;
        const fromQuickcd = await build.resolve(spec, { ...options, resolveDir: QUICKCD_ROOT });
        if (fromQuickcd.errors.length === 0) return { path: spec, external: true };
        const pkg = packageName(spec);
        return {
          errors: [
            {
              text:
                `it imports package "${pkg}", which is not installed: run \`npm install ${pkg}\` ` +
                `in ${dirname(entry)} (packages next to the handlers file are bundled into what ` +
                'every run executes), or import it from a module of your own',
            },
          ],
        };
      });
      // `quickcd` and `quickcd/kdep`: the SDK the runner provides (handlers/sdk-global.ts).
      build.onLoad({ filter: /.*/, namespace: SDK_NAMESPACE }, async (args) => {
        const module =
          args.path === 'quickcd' ? await import('./index.js') : await SDK_MODULES[args.path]!();
        return { contents: sdkShimSource(args.path, Object.keys(module)), loader: 'js' };
      });
    },
  };
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

function bundleError(entry: string, error: unknown): QuickcdError {
  const first = (error as { errors?: Message[] }).errors?.[0];
  let reason = errorMessage(error);
  if (first) {
    const where = first.location;
    const file = where ? resolvePath(dirname(entry), where.file) : entry;
    const position = where ? `line ${where.line}, column ${where.column + 1}: ` : '';
    const text = /^Could not resolve "\./.test(first.text)
      ? `${first.text}: no such file (relative to ${file}; a .ts module is imported as ./name.js or ./name.ts)`
      : first.text;
    reason = `${file === entry ? '' : `${file}, `}${position}${text}`;
  }
  return new QuickcdError('HANDLERS_LOAD_FAILED', `Cannot load handlers file ${entry}: ${reason}`, {
    file: entry,
    cause: error,
  });
}
