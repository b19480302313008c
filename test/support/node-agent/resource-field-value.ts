import type { V1Container, V1ResourceFieldSelector } from '@kubernetes/client-node';

const SUFFIX: Readonly<Record<string, number>> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity (`500m`, `128Mi`, `1e3`, `2`) as a number; NaN when malformed. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  const factor = m ? SUFFIX[m[2] ?? ''] : undefined;
  return m && factor !== undefined ? Number(m[1]) * factor : Number.NaN;
}

/**
 * The value of a `resourceFieldRef` (`limits.cpu`, `requests.memory`, …) for `container`,
 * divided by `divisor` and rounded up, as the kubelet computes it. An unset limit is the
 * node's allocatable amount (`allocatable`).
 */
export function resourceFieldValue(
  container: V1Container,
  ref: V1ResourceFieldSelector,
  allocatable: Readonly<Record<string, string>>,
): string {
  const [kind, resource = ''] = ref.resource.split(/\.(.*)/s);
  const limits = (container.resources?.limits ?? {}) as Record<string, string>;
  const requests = (container.resources?.requests ?? {}) as Record<string, string>;
  let raw: string | undefined;
  if (kind === 'limits') raw = limits[resource] ?? allocatable[resource];
  else raw = requests[resource] ?? (resource === 'cpu' || resource === 'memory' ? '0' : undefined);
  if (kind === 'requests' && resource === 'cpu' && raw === '0') raw = limits.cpu ?? '0';
  if (kind === 'requests' && resource === 'memory' && raw === '0') raw = limits.memory ?? '0';
  const value = parseQuantity(raw ?? '0');
  const divisor = parseQuantity(ref.divisor ?? '1') || 1;
  return String(Math.ceil(value / divisor));
}
