import { randomUUID } from 'node:crypto';
import type { ServerContext } from './context.js';
import { applyCreateDefaults, normaliseSecret, randomSuffix } from './defaults.js';
import { deleteObject, propagationOf } from './garbage-collector.js';
import { applyPatch } from './patch.js';
import { apiVersionOf, resourceTypeByPlural, type ResourceType } from './resources.js';
import { ApiError, alreadyExists, badRequest, conflict, notFound } from './status.js';
import { clone, isObject, text, type JsonObject, type KubeObject } from './types.js';
import { checkDecodable, validateObject } from './validation.js';

/** Which part of an object a write may change. */
export type WriteScope = 'main' | 'status';

/** Kinds whose status is a subresource: writes to the main resource keep the stored status. */
const HAS_STATUS = new Set(['pods', 'jobs', 'namespaces']);

/** Throws 404 unless the namespace exists. */
export function requireNamespace(ctx: ServerContext, namespace: string): void {
  if (!ctx.store.get('namespaces', undefined, namespace)) {
    throw notFound(resourceTypeByPlural('namespaces'), namespace);
  }
}

/** Reads an object or throws 404. */
export function getObject(
  ctx: ServerContext,
  type: ResourceType,
  ns: string | undefined,
  name: string,
): KubeObject {
  const o = ctx.store.get(type.plural, ns, name);
  if (!o) throw notFound(type, name);
  return o;
}

function checkBody(type: ResourceType, body: unknown, ns: string | undefined): KubeObject {
  if (!isObject(body)) throw badRequest("Object 'Kind' is missing in 'null'");
  if (body.kind !== undefined && body.kind !== type.kind) {
    throw badRequest(
      `the API version in the data (${text(body.apiVersion)}) does not match the expected API version (${apiVersionOf(type)}) or kind ${text(body.kind)} is not ${type.kind}`,
    );
  }
  const meta: JsonObject = isObject(body.metadata) ? body.metadata : {};
  if (
    ns !== undefined &&
    meta.namespace !== undefined &&
    meta.namespace !== '' &&
    meta.namespace !== ns
  ) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  const obj = {
    ...clone(body),
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    metadata: { ...clone(meta) },
  } as KubeObject;
  if (type.namespaced && ns !== undefined) obj.metadata.namespace = ns;
  else delete obj.metadata.namespace;
  checkDecodable(type, obj);
  return obj;
}

/** POST: create an object (generateName, defaults, validation, 409 AlreadyExists). */
export function createObject(
  ctx: ServerContext,
  type: ResourceType,
  ns: string | undefined,
  body: unknown,
  dryRun = false,
): KubeObject {
  if (type.namespaced && ns !== undefined) requireNamespace(ctx, ns);
  const obj = checkBody(type, body, ns);
  const m = obj.metadata;
  if (!m.name && m.generateName) m.name = `${m.generateName}${randomSuffix()}`;
  for (const f of [
    'uid',
    'resourceVersion',
    'creationTimestamp',
    'generation',
    'deletionTimestamp',
    'managedFields',
  ])
    delete m[f];
  m.uid = randomUUID();
  applyCreateDefaults(type.plural, obj);
  validateObject(type, obj);
  if (ctx.store.get(type.plural, ns, m.name ?? '')) throw alreadyExists(type, m.name ?? '');
  if (dryRun) return { ...obj, metadata: { ...m, creationTimestamp: new Date().toISOString() } };
  return ctx.store.create(type.plural, obj);
}

/** PUT: replace an object; a stale `metadata.resourceVersion` gives 409 Conflict. */
export function replaceObject(
  ctx: ServerContext,
  type: ResourceType,
  ns: string | undefined,
  name: string,
  body: unknown,
  scope: WriteScope = 'main',
  dryRun = false,
): KubeObject {
  const current = getObject(ctx, type, ns, name);
  const obj = checkBody(type, body, ns);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw badRequest(
      `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  const rv = obj.metadata.resourceVersion;
  if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion)
    throw conflict(type, name);
  return writeUpdate(ctx, type, current, obj, scope, dryRun);
}

/** PATCH: apply a JSON/merge/strategic patch; a resourceVersion in the patch is a precondition. */
export function patchObject(
  ctx: ServerContext,
  type: ResourceType,
  ns: string | undefined,
  name: string,
  contentType: string,
  patch: unknown,
  scope: WriteScope = 'main',
  dryRun = false,
): KubeObject {
  const current = getObject(ctx, type, ns, name);
  const patched = applyPatch(current, contentType, patch);
  const obj = checkBody(type, patched, ns);
  if (obj.metadata.name !== name)
    throw badRequest('metadata.name: the name cannot be changed by a patch');
  if (obj.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(type, name);
  return writeUpdate(ctx, type, current, obj, scope, dryRun);
}

function writeUpdate(
  ctx: ServerContext,
  type: ResourceType,
  current: KubeObject,
  obj: KubeObject,
  scope: WriteScope,
  dryRun: boolean,
): KubeObject {
  const keep = ['uid', 'creationTimestamp', 'generation', 'namespace', 'name'] as const;
  for (const f of keep) {
    if (current.metadata[f] === undefined) delete obj.metadata[f];
    else obj.metadata[f] = current.metadata[f] as never;
  }
  let next = obj;
  if (scope === 'status') {
    next = { ...current, status: obj.status };
  } else if (HAS_STATUS.has(type.plural)) {
    next.status = current.status;
    if (current.status === undefined) delete next.status;
  }
  if (type.plural === 'secrets') normaliseSecret(next);
  validateObject(type, next, current);
  if (type.plural === 'jobs') checkJobImmutables(type, current, next);
  if (dryRun) return next;
  return ctx.store.update(type.plural, next);
}

function checkJobImmutables(type: ResourceType, current: KubeObject, next: KubeObject): void {
  const a = isObject(current.spec) ? current.spec : {};
  const b = isObject(next.spec) ? next.spec : {};
  for (const f of ['selector', 'completions', 'completionMode']) {
    if (JSON.stringify(a[f]) !== JSON.stringify(b[f])) {
      throw new ApiError(
        422,
        'Invalid',
        `${type.kind}.${type.group} "${next.metadata.name}" is invalid: spec.${f}: Invalid value: ${JSON.stringify(b[f])}: field is immutable`,
        {
          name: next.metadata.name ?? '',
          group: type.group,
          kind: type.kind,
          causes: [
            { reason: 'FieldValueInvalid', field: `spec.${f}`, message: 'field is immutable' },
          ],
        },
      );
    }
  }
}

/** DELETE: remove an object (preconditions, propagationPolicy); returns the response body. */
export function deleteOne(
  ctx: ServerContext,
  type: ResourceType,
  ns: string | undefined,
  name: string,
  options: JsonObject,
  query: URLSearchParams,
): object {
  const current = getObject(ctx, type, ns, name);
  const pre = isObject(options.preconditions) ? options.preconditions : {};
  if (
    (pre.uid !== undefined && pre.uid !== current.metadata.uid) ||
    (pre.resourceVersion !== undefined && pre.resourceVersion !== current.metadata.resourceVersion)
  ) {
    throw conflict(type, name);
  }
  if (query.get('dryRun') === 'All') return current;
  const deleted =
    deleteObject(ctx, type.plural, ns, name, propagationOf(type.plural, options, query)) ?? current;
  if (type.plural === 'pods') return deleted;
  const details: JsonObject = { name, kind: type.plural, uid: current.metadata.uid };
  if (type.group) details.group = type.group;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
