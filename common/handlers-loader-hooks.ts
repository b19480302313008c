/**
 * Module hooks (Node's loader thread) that let a handlers file live anywhere on disk:
 * - `import … from 'quickcd'` resolves to the running quickcd's SDK;
 * - bare imports the file's own directory cannot resolve fall back to quickcd's dependencies;
 * - `.ts`/`.mts` files are ESM, types stripped by esbuild, wherever they are (no package.json
 *   needed), and `./util.js` finds `./util.ts` as TypeScript projects expect.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

interface Data {
  sdkUrl: string;
  packageUrl: string;
}
interface ResolveContext {
  parentURL?: string;
  conditions?: string[];
}
interface Resolved {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context?: ResolveContext) => Promise<Resolved>;
interface Loaded {
  format: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type NextLoad = (url: string, context?: { format?: string | null }) => Promise<Loaded>;

let data: Data | undefined;

export function initialize(d: Data): void {
  data = d;
}

export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: NextResolve,
): Promise<Resolved> {
  if (data && specifier === 'quickcd') return { url: data.sdkUrl, shortCircuit: true };
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const relative = /^\.{1,2}\//.test(specifier);
    if (relative && isTypeScript(context.parentURL)) {
      for (const candidate of [specifier.replace(/\.js$/, '.ts'), `${specifier}.ts`]) {
        if (candidate === specifier) continue;
        try {
          return await nextResolve(candidate, context);
        } catch {
          // try the next form
        }
      }
    }
    const bare = !relative && !/^(\/|[a-z]+:)/i.test(specifier);
    if (!data || !bare) throw error;
    return nextResolve(specifier, { ...context, parentURL: data.packageUrl });
  }
}

export async function load(
  url: string,
  context: { format?: string | null },
  nextLoad: NextLoad,
): Promise<Loaded> {
  if (!isTypeScript(url) || url.includes('/node_modules/')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { transform } = await import('esbuild');
  const { code } = await transform(await readFile(path, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
  });
  return { format: 'module', source: code, shortCircuit: true };
}

function isTypeScript(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('file:') && /\.m?ts(\?.*)?$/.test(url);
}
