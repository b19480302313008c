import { API_GROUPS, RESOURCE_TYPES } from './resources.js';

/** The Kubernetes version the test server claims to be. */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-quickcd-test',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
};

/**
 * Answers a discovery path (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`
 * and `/apis/<group>`), or returns undefined when `path` is not one. Always the legacy
 * (non-aggregated) documents: a client asking for aggregated discovery sees
 * `Content-Type: application/json` and falls back, as against an older server.
 */
export function discoveryDocument(path: string, serverAddress: string): object | undefined {
  const p = path.replace(/\/+$/, '') || '/';
  if (p === '/version') return SERVER_VERSION;
  if (p === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }
  if (p === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: API_GROUPS.map((g) => groupDocument(g.name, g.version)),
    };
  }
  if (p === '/api/v1') return resourceList('', 'v1');
  const m = /^\/apis\/([^/]+)(?:\/([^/]+))?$/.exec(p);
  if (m) {
    const group = API_GROUPS.find((g) => g.name === m[1]);
    if (!group) return undefined;
    if (m[2] === undefined)
      return { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group.name, group.version) };
    if (m[2] === group.version) return resourceList(group.name, group.version);
  }
  return undefined;
}

function groupDocument(name: string, version: string): object {
  const gv = { groupVersion: `${name}/${version}`, version };
  return { name, versions: [gv], preferredVersion: gv };
}

function resourceList(group: string, version: string): object {
  const resources: object[] = [];
  for (const t of RESOURCE_TYPES) {
    if (t.group !== group || t.version !== version) continue;
    const entry: Record<string, unknown> = {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
    };
    if (t.shortNames.length > 0) entry.shortNames = t.shortNames;
    if (t.categories.length > 0) entry.categories = t.categories;
    resources.push(entry);
    for (const s of t.subresources) {
      resources.push({
        name: `${t.plural}/${s.name}`,
        singularName: '',
        namespaced: t.namespaced,
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources,
  };
}
