/**
 * `import()` of a module quickcd does not bundle (a handlers file, esbuild), replaceable: code
 * restored from a V8 startup snapshot (the runner's, see cli/runner-snapshot.ts) has no dynamic
 * import of its own, so the snapshot's main function puts one in before anything runs.
 */
let importer: (specifier: string) => Promise<unknown> = (specifier) => import(specifier);

export function importModule<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return importer(specifier) as Promise<T>;
}

export function setModuleImporter(next: (specifier: string) => Promise<unknown>): void {
  importer = next;
}
