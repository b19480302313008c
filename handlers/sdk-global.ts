/**
 * Where a handlers bundle finds the SDK: the runner puts its own SDK module here before it
 * imports the bundle, and the bundle's `import … from 'quickcd'` reads it (see
 * handlers/bundle-handlers.ts). So a bundle runs wherever it lies on disk, with the very SDK
 * instance the runner uses, and no module resolution (or loader thread) is needed for it.
 * The SDK's other entry points (`quickcd/kdep`) are loaded on first import, the same way.
 */
export const SDK_GLOBAL = Symbol.for('quickcd.sdk');
export const SDK_MODULES_GLOBAL = Symbol.for('quickcd.sdk-modules');

/** The SDK's entry points besides `quickcd`, loaded only by a bundle that imports one. */
export const SDK_MODULES: Readonly<Record<string, () => Promise<object>>> = {
  'quickcd/kdep': () => import('./kdep/index.js'),
};

/**
 * The source of the module a bundle gets for `specifier` (`quickcd` or one of
 * {@link SDK_MODULES}): its exports, read from the globals the runner set.
 */
export function sdkShimSource(specifier: string, exportNames: readonly string[]): string {
  const outside =
    "throw new Error('this quickcd handlers bundle runs only inside quickcd (quickcd run, quickcd runner)');";
  const from =
    specifier === 'quickcd'
      ? [`const sdk = globalThis[Symbol.for(${JSON.stringify(SDK_GLOBAL.description)})];`]
      : [
          `const load = globalThis[Symbol.for(${JSON.stringify(SDK_MODULES_GLOBAL.description)})]?.[${JSON.stringify(specifier)}];`,
          `const sdk = load ? await load() : undefined;`,
        ];
  return [
    ...from,
    `if (!sdk) ${outside}`,
    ...exportNames.map((name) => `export const ${name} = sdk.${name};`),
  ].join('\n');
}
