/** The resource types the test server serves, with their discovery metadata. */

/** A resource type, as discovery describes it. */
export interface ResourceType {
  /** Plural name used in paths: `configmaps`. */
  plural: string;
  singular: string;
  kind: string;
  /** API group; '' for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served below an object (`status`, `log`). */
  subresources: { name: string; kind: string; verbs: string[] }[];
}

const ALL_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

/** The resource types this server stores, in discovery order. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    plural: 'configmaps',
    singular: 'configmap',
    kind: 'ConfigMap',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['cm'],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
  },
  {
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['ev'],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
  },
  {
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    group: '',
    version: 'v1',
    namespaced: false,
    shortNames: ['ns'],
    categories: [],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: [{ name: 'status', kind: 'Namespace', verbs: ['get', 'patch', 'update'] }],
  },
  {
    plural: 'pods',
    singular: 'pod',
    kind: 'Pod',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    verbs: ALL_VERBS,
    subresources: [
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'status', kind: 'Pod', verbs: ['get', 'patch', 'update'] },
    ],
  },
  {
    plural: 'secrets',
    singular: 'secret',
    kind: 'Secret',
    group: '',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
  },
  {
    plural: 'jobs',
    singular: 'job',
    kind: 'Job',
    group: 'batch',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    categories: ['all'],
    verbs: ALL_VERBS,
    subresources: [{ name: 'status', kind: 'Job', verbs: ['get', 'patch', 'update'] }],
  },
  {
    plural: 'leases',
    singular: 'lease',
    kind: 'Lease',
    group: 'coordination.k8s.io',
    version: 'v1',
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
  },
];

/** `v1` or `batch/v1`. */
export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** Looks a resource type up by group and plural. */
export function findResourceType(group: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.plural === plural);
}

/** Looks a resource type up by plural only (plurals are unique here). */
export function resourceTypeByPlural(plural: string): ResourceType {
  const t = RESOURCE_TYPES.find((r) => r.plural === plural);
  if (!t) throw new Error(`unknown resource type ${plural}`);
  return t;
}

/** The API groups served besides the core group. */
export const API_GROUPS: readonly { name: string; version: string }[] = [
  { name: 'batch', version: 'v1' },
  { name: 'coordination.k8s.io', version: 'v1' },
];
