/** A chart's values: what a values file holds once parsed. */
export type Values = Record<string, unknown>;

const isMap = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merges values files, the later (more specific) over the earlier: maps are merged key by key,
 * anything else — lists included — is replaced whole, as Helm merges `-f` files. A key set to
 * `null` removes it (Helm's way to unset a default). Inputs are not changed.
 */
export function mergeValues(...layers: readonly (Values | undefined)[]): Values {
  let merged: Values = {};
  for (const layer of layers) if (layer) merged = mergeTwo(merged, layer);
  return merged;
}

function mergeTwo(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeTwo(out[key], value);
    else out[key] = isMap(value) ? mergeTwo({}, value) : value;
  }
  return out;
}

/**
 * The staggered values files of an environment and region, most general first:
 * `values.yaml`, `<env>-values.yaml`, `<region>-<env>-values.yaml`.
 */
export function valuesFileNames(environment: string, region?: string): string[] {
  return [
    'values.yaml',
    `${environment}-values.yaml`,
    ...(region ? [`${region}-${environment}-values.yaml`] : []),
  ];
}
