/**
 * Where a handlers bundle finds the SDK: the runner puts its own SDK module here before it
 * imports the bundle, and the bundle's `import … from 'quickcd'` reads it (see
 * common/bundle-handlers.ts). So a bundle runs wherever it lies on disk, with the very SDK
 * instance the runner uses, and no module resolution (or loader thread) is needed for it.
 */
export const SDK_GLOBAL = Symbol.for('quickcd.sdk');

/** The source of the module a bundle gets for `quickcd`: the SDK's exports, read from the global. */
export function sdkShimSource(exportNames: readonly string[]): string {
  const key = JSON.stringify(SDK_GLOBAL.description);
  return [
    `const sdk = globalThis[Symbol.for(${key})];`,
    'if (!sdk) {',
    "  throw new Error('this quickcd handlers bundle runs only inside quickcd (quickcd run, quickcd runner)');",
    '}',
    ...exportNames.map((name) => `export const ${name} = sdk.${name};`),
  ].join('\n');
}
