import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import { extname, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { QuickcdError, errorMessage } from './errors.js';
import { createRegistry, type Registry } from '../handlers/registry.js';
import { setCurrentRegistry } from '../handlers/on.js';

let hooksRegistered = false;
let loads = 0;

const EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/**
 * Loads a handlers file (`.ts`, `.mts`, `.js` or `.mjs`, from any directory) and returns the
 * handlers it registered with `on()`. A file that does not exist, does not parse, or throws
 * while loading fails fast with the file, line and message.
 */
export async function loadHandlers(file: string): Promise<Registry> {
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
  registerHooks();
  const registry = createRegistry();
  setCurrentRegistry(registry);
  try {
    // A query makes a second load of the same file (tests, reloads) evaluate it afresh.
    await import(`${pathToFileURL(path).href}?quickcd-load=${++loads}`);
  } catch (error) {
    throw loadError(path, await describeLoadError(error, path), error);
  }
  if (registry.handlers.length === 0) {
    throw loadError(path, "registers no handler: call on('PushEvent', …) at the top level");
  }
  return registry;
}

function registerHooks(): void {
  if (!hooksRegistered) {
    hooksRegistered = true;
    const here = import.meta.url;
    register(new URL('./handlers-loader-hooks.js', here), {
      data: {
        sdkUrl: new URL('../handlers/index.js', here).href,
        packageUrl: new URL('../../package.json', here).href,
      },
    });
  }
}

async function describeLoadError(error: unknown, path: string): Promise<string> {
  if (error instanceof SyntaxError || /Transform failed/.test(errorMessage(error))) {
    // Node 20 keeps the position of a syntax error in ESM out of the error; esbuild finds it.
    const located = await locateSyntaxError(path);
    if (located) return located;
  }
  const message = errorMessage(error);
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  // esbuild reports "file:line:col: ERROR: text"; V8 puts "file:line" first in a SyntaxError stack.
  const location =
    new RegExp(`${escape(path)}(?:\\?[^:\\s]*)?:(\\d+)(?::(\\d+))?`).exec(`${message}\n${stack}`) ??
    /(?:file:\/\/)?[^\s()]+:(\d+)(?::(\d+))?/.exec(stack);
  const where = location
    ? `line ${location[1]}${location[2] ? `, column ${location[2]}` : ''}: `
    : '';
  return `${where}${message}`;
}

async function locateSyntaxError(path: string): Promise<string | undefined> {
  const { transform } = await import('esbuild');
  try {
    await transform(await readFile(path, 'utf8'), {
      loader: 'ts',
      format: 'esm',
      sourcefile: path,
    });
    return undefined;
  } catch (error) {
    const first = (
      error as { errors?: { text: string; location?: { line: number; column: number } }[] }
    ).errors?.[0];
    if (!first?.location) return undefined;
    return `line ${first.location.line}, column ${first.location.column + 1}: ${first.text}`;
  }
}

function loadError(path: string, reason: string, cause?: unknown): QuickcdError {
  return new QuickcdError('HANDLERS_LOAD_FAILED', `Cannot load handlers file ${path}: ${reason}`, {
    file: path,
    cause,
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
