import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { register } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createHash } from 'node:crypto';
import { QuickcdError, errorMessage } from '../common/errors.js';
import { importModule } from '../common/import-module.js';
import {
  bundleEntry,
  bundleExternals,
  bundleHandlers,
  type HandlersBundle,
} from './bundle-handlers.js';
import * as sdk from './index.js';
import { SDK_GLOBAL, SDK_MODULES, SDK_MODULES_GLOBAL, sdkShimSource } from './sdk-global.js';
import { formatLocation, userFrames } from './caller-location.js';
import { createRegistry, type Registry } from './registry.js';
import { setCurrentRegistry } from './on.js';

let hooksRegistered = false;
let loads = 0;

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

export interface LoadedHandlers {
  readonly registry: Registry;
  /** What was loaded: the bundle of the file (or the file itself when it is a bundle). */
  readonly bundle: HandlersBundle;
}

/**
 * Loads a handlers file (`.ts`, `.mts`, `.js` or `.mjs`, from any directory) and returns the
 * handlers it registered with `on()`. The file is bundled first ({@link bundleHandlers}), and
 * the bundle is what runs — a bundle made by the scheduler (a Job's mounted ConfigMap) runs as
 * is. A file that does not exist, does not parse, imports what cannot be found, or throws while
 * loading fails fast with the file, line and message.
 */
export async function loadHandlers(file: string): Promise<Registry> {
  return (await loadHandlersFile(file)).registry;
}

export interface LoadOptions {
  /**
   * `keep` (default): source maps stay on, so the handlers' stack traces and command errors
   * point at the user's .ts lines when they run. `while-loading`: only load errors need them
   * (the scheduler, which never runs a handler): Node otherwise parses and keeps the source map
   * of every module loaded from then on.
   */
  readonly sourceMaps?: 'keep' | 'while-loading';
}

export async function loadHandlersFile(
  file: string,
  options: LoadOptions = {},
): Promise<LoadedHandlers> {
  const path = resolvePath(file);
  const ext = extname(path);
  if (!EXTENSIONS.has(ext)) {
    throw loadError(path, `expected a .ts, .mts, .js or .mjs file, got "${ext || 'no extension'}"`);
  }
  if (!existsSync(path)) {
    throw loadError(
      path,
      'file not found (set --handlers or QUICKCD_HANDLERS to an existing file)',
    );
  }
  const text = await readFile(path, 'utf8');
  const entry = bundleEntry(text);
  const bundle: HandlersBundle =
    entry === undefined
      ? await bundleHandlers(path)
      : {
          entry,
          code: text,
          hash: createHash('sha256').update(text).digest('hex'),
          fileName: path.slice(path.lastIndexOf('/') + 1),
        };
  const mapsWere = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(true);
  try {
    const registry = await importBundle(bundle, entry === undefined ? undefined : path);
    return { registry, bundle };
  } finally {
    if (options.sourceMaps === 'while-loading') process.setSourceMapsEnabled(mapsWere);
  }
}

async function importBundle(
  bundle: HandlersBundle,
  existing: string | undefined,
): Promise<Registry> {
  // The bundle reads the SDK from here; the loader thread (resolution of packages quickcd
  // provides) is started only for a bundle that imports one: it costs every run start.
  (globalThis as Record<symbol, unknown>)[SDK_GLOBAL] = sdk;
  (globalThis as Record<symbol, unknown>)[SDK_MODULES_GLOBAL] = SDK_MODULES;
  if ((bundleExternals(bundle.code) ?? ['?']).length > 0) registerHooks();
  const registry = createRegistry();
  setCurrentRegistry(registry);
  const dir = existing ? undefined : await mkdtemp(join(tmpdir(), 'quickcd-handlers-'));
  const file = existing ?? join(dir!, bundle.fileName);
  try {
    if (dir) await writeFile(file, bundle.code);
    // A query makes a second load of the same file (tests, reloads) evaluate it afresh.
    await importModule(`${pathToFileURL(file).href}?quickcd-load=${++loads}`);
  } catch (error) {
    throw loadError(bundle.entry, describeLoadError(error, bundle.entry), error);
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
  if (registry.handlers.length === 0) {
    throw loadError(bundle.entry, "registers no handler: call on('PushEvent', …) at the top level");
  }
  return registry;
}

function registerHooks(): void {
  if (!hooksRegistered) {
    hooksRegistered = true;
    const here = import.meta.url;
    register(new URL('./handlers-loader-hooks.js', here), {
      data: {
        // A bundle from before the SDK shim imports `quickcd`: it gets the shim as well.
        sdkUrl: `data:text/javascript,${encodeURIComponent(sdkShimSource('quickcd', Object.keys(sdk)))}`,
        packageUrl: new URL('../../package.json', here).href,
      },
    });
  }
}

function describeLoadError(error: unknown, entry: string): string {
  const message = errorMessage(error);
  const frame = userFrames(error instanceof Error ? error.stack : undefined)[0];
  if (!frame) return message;
  const where = `line ${frame.line}, column ${frame.column}`;
  return frame.file === entry ? `${where}: ${message}` : `${formatLocation(frame)}: ${message}`;
}

function loadError(path: string, reason: string, cause?: unknown): QuickcdError {
  return new QuickcdError('HANDLERS_LOAD_FAILED', `Cannot load handlers file ${path}: ${reason}`, {
    file: path,
    cause,
  });
}
