import { API_GROUPS, RESOURCE_TYPES } from './resources.js';

/**
 * A minimal OpenAPI v3 surface: the `/openapi/v3` index and one document per group-version
 * whose PATCH/POST/PUT operations carry `x-kubernetes-group-version-kind` and a
 * `fieldValidation` query parameter. That tells kubectl (create/apply/replace) that the
 * server validates fields itself, so it sends `fieldValidation=Strict` instead of downloading
 * schemas for client-side validation; with no schemas, `kubectl apply` computes its patch
 * from its built-in types. `/openapi/v2` stays 404, as on servers that disable it.
 */
export function openApiDocument(path: string): object | undefined {
  const p = path.replace(/\/+$/, '');
  const gvs = [{ name: '', version: 'v1' }, ...API_GROUPS].map((g) => ({
    ...g,
    path: g.name ? `apis/${g.name}/${g.version}` : `api/${g.version}`,
  }));
  if (p === '/openapi/v3') {
    return {
      paths: Object.fromEntries(
        gvs.map((g) => [g.path, { serverRelativeURL: `/openapi/v3/${g.path}?hash=quickcd-test` }]),
      ),
    };
  }
  const gv = gvs.find((g) => p === `/openapi/v3/${g.path}`);
  if (!gv) return undefined;
  const paths: Record<string, object> = {};
  for (const t of RESOURCE_TYPES) {
    if (t.group !== gv.name || t.version !== gv.version) continue;
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const op = (action: string): object => ({
      operationId: `${action}${t.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: [
        { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
        { name: 'fieldManager', in: 'query', schema: { type: 'string', uniqueItems: true } },
        { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
      ],
      responses: { '200': { description: 'OK' } },
    });
    const base = `/${gv.path}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
    paths[base] = { post: op('post') };
    paths[`${base}/{name}`] = { put: op('put'), patch: op('patch') };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0-quickcd-test' },
    paths,
    components: { schemas: {} },
  };
}
