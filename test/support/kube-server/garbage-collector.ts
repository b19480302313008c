import type { ServerContext } from './context.js';
import { RESOURCE_TYPES } from './resources.js';
import { badRequest } from './status.js';
import { isObject, type JsonObject, type KubeObject } from './types.js';

/** DeleteOptions.propagationPolicy. */
export type Propagation = 'Background' | 'Foreground' | 'Orphan';

/**
 * The propagation policy of a delete request: DeleteOptions body, then query, then the
 * resource's default (batch/v1 Jobs orphan their Pods by default, as on a real cluster).
 */
export function propagationOf(
  plural: string,
  options: JsonObject,
  query: URLSearchParams,
): Propagation {
  const p = options.propagationPolicy ?? query.get('propagationPolicy');
  if (p === 'Background' || p === 'Foreground' || p === 'Orphan') return p;
  if (p !== undefined && p !== null)
    throw badRequest(`propagationPolicy: Unsupported value: ${JSON.stringify(p)}`);
  if (options.orphanDependents === true || query.get('orphanDependents') === 'true')
    return 'Orphan';
  if (options.orphanDependents === false) return 'Background';
  return plural === 'jobs' ? 'Orphan' : 'Background';
}

/**
 * Deletes one object now, then its dependents (objects whose ownerReferences name its uid):
 * with Background or Foreground, they are deleted soon after (Foreground is treated as
 * Background); with Orphan, the ownerReference is removed from them. Deleting a Namespace
 * deletes everything in it.
 */
export function deleteObject(
  ctx: ServerContext,
  plural: string,
  ns: string | undefined,
  name: string,
  policy: Propagation,
): KubeObject | undefined {
  const deleted = ctx.store.delete(plural, ns, name);
  if (!deleted) return undefined;
  const uid = deleted.metadata.uid;
  if (plural === 'namespaces') {
    setImmediate(() => {
      for (const t of RESOURCE_TYPES) {
        if (!t.namespaced) continue;
        for (const o of ctx.store.list(t.plural, name))
          deleteObject(ctx, t.plural, name, o.metadata.name ?? '', 'Background');
      }
    });
    return deleted;
  }
  setImmediate(() => {
    for (const { plural: depPlural, object } of dependentsOf(ctx, uid, ns)) {
      const depName = object.metadata.name ?? '';
      if (policy === 'Orphan') {
        object.metadata.ownerReferences = (object.metadata.ownerReferences ?? []).filter(
          (r) => r.uid !== uid,
        );
        if (object.metadata.ownerReferences.length === 0) delete object.metadata.ownerReferences;
        ctx.store.update(depPlural, object);
      } else if (!hasLiveOwner(ctx, object)) {
        deleteObject(ctx, depPlural, ns, depName, 'Background');
      }
    }
  });
  return deleted;
}

function dependentsOf(
  ctx: ServerContext,
  uid: string | undefined,
  ns: string | undefined,
): { plural: string; object: KubeObject }[] {
  const out: { plural: string; object: KubeObject }[] = [];
  if (!uid) return out;
  for (const t of RESOURCE_TYPES) {
    for (const object of ctx.store.list(t.plural, t.namespaced ? ns : undefined)) {
      if ((object.metadata.ownerReferences ?? []).some((r) => r.uid === uid))
        out.push({ plural: t.plural, object });
    }
  }
  return out;
}

/** True when at least one ownerReference points at an existing object with that uid. */
function hasLiveOwner(ctx: ServerContext, o: KubeObject): boolean {
  return (o.metadata.ownerReferences ?? []).some((r) => {
    const t = RESOURCE_TYPES.find(
      (x) => x.kind === r.kind && apiVersionMatches(x.group, r.apiVersion),
    );
    if (!t) return true; // an owner kind this server does not know: assume it lives
    const owner = ctx.store.get(t.plural, t.namespaced ? o.metadata.namespace : undefined, r.name);
    return owner?.metadata.uid === r.uid;
  });
}

function apiVersionMatches(group: string, apiVersion: string): boolean {
  return group === '' ? !apiVersion.includes('/') : apiVersion.startsWith(`${group}/`);
}

/**
 * Starts the garbage collector's other half: an object written with ownerReferences none of
 * which exists (wrong uid, owner already gone) is deleted shortly after, as on a real cluster.
 * Returns the stop function.
 */
export function startOrphanCollector(ctx: ServerContext, delayMs = 200): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const unsubscribe = ctx.store.subscribe((e) => {
    if (
      e.type === 'DELETED' ||
      !isObject(e.object.metadata) ||
      !e.object.metadata.ownerReferences?.length
    )
      return;
    const { namespace, name } = e.object.metadata;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const current = ctx.store.get(e.resource, namespace, name ?? '');
      if (current?.metadata.ownerReferences?.length && !hasLiveOwner(ctx, current)) {
        deleteObject(ctx, e.resource, namespace, name ?? '', 'Background');
      }
    }, delayMs);
    timers.add(timer);
  });
  return () => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
  };
}
