/**
 * Module hooks (Node's loader thread) that let a handlers bundle live anywhere on disk (a temp
 * file, a mounted ConfigMap):
 * - `import … from 'quickcd'` resolves to the running quickcd's SDK (bundles made before the SDK
 *   shim of handlers/sdk-global.ts; `quickcd/kdep` is shimmed the same way);
 * - bare imports left external by the bundler (packages quickcd itself provides) resolve from
 *   quickcd's dependencies.
 */
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
    const bare = !/^(\.{1,2}\/|\/|[a-z]+:)/i.test(specifier);
    if (!data || !bare) throw error;
    return nextResolve(specifier, { ...context, parentURL: data.packageUrl });
  }
}
