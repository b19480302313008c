import { badRequest, ApiError } from './status.js';
import { clone, isObject, type JsonObject } from './types.js';

/** The patch content types the server accepts. */
export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
] as const;

/** Applies a patch of one of PATCH_TYPES to a JSON object; throws 400/415/422 ApiErrors. */
export function applyPatch(target: JsonObject, contentType: string, patch: unknown): JsonObject {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  switch (type) {
    case 'application/merge-patch+json':
      if (!isObject(patch)) throw badRequest('merge patch must be a JSON object');
      return mergePatch(target, patch) as JsonObject;
    case 'application/strategic-merge-patch+json':
      if (!isObject(patch)) throw badRequest('strategic merge patch must be a JSON object');
      return strategicMergePatch(target, patch);
    case 'application/json-patch+json':
      if (!Array.isArray(patch)) {
        throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      }
      return jsonPatch(target, patch);
    default:
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`,
      );
  }
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Merge keys of lists that strategic merge patch merges element-wise (by field name). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  conditions: 'type',
};

/** Primitive lists that strategic merge patch merges as sets. */
const SET_LISTS = new Set(['finalizers']);

/**
 * Strategic merge patch, enough for what kubectl sends: maps merge (null deletes), lists
 * listed in MERGE_KEYS merge by key, `finalizers` merge as a set, other lists are replaced;
 * directives `$patch: replace|delete`, `$retainKeys`, `$deleteFromPrimitiveList/…` and
 * `$setElementOrder/…` are understood.
 */
export function strategicMergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return clone(rest);
  }
  let out: JsonObject = clone(target);
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    out = Object.fromEntries(Object.entries(out).filter(([k]) => keep.has(k)));
  }
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const name = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[name];
      if (Array.isArray(cur) && Array.isArray(v)) out[name] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (isObject(v)) {
      if (v.$patch === 'delete') delete out[k];
      else out[k] = strategicMergePatch(isObject(out[k]) ? out[k] : {}, v);
    } else if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, k);
    } else {
      out[k] = v;
    }
  }
  return out;
}

function mergeList(current: unknown, patch: unknown[], field: string): unknown[] {
  const cur = Array.isArray(current) ? clone(current) : [];
  if (patch.some((e) => isObject(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isObject(e) && e.$patch === 'replace'));
  }
  if (SET_LISTS.has(field)) {
    return [...cur, ...patch.filter((x) => !cur.includes(x))];
  }
  const mergeKey = MERGE_KEYS[field];
  if (!mergeKey || !patch.every(isObject)) return clone(patch);
  const out: unknown[] = cur;
  for (const element of patch.filter(isObject)) {
    const idx = out.findIndex((e) => isObject(e) && e[mergeKey] === element[mergeKey]);
    if (element.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) {
      out[idx] = strategicMergePatch(out[idx] as JsonObject, element);
    } else {
      const { $patch: _p, ...rest } = element;
      out.push(rest);
    }
  }
  return out;
}

/** RFC 6902 JSON patch. */
export function jsonPatch(target: JsonObject, ops: unknown[]): JsonObject {
  let doc: unknown = clone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw badRequest(`invalid JSON patch operation: ${JSON.stringify(raw)}`);
    }
    const path = parsePointer(raw.path);
    switch (raw.op) {
      case 'add':
        doc = put(doc, path, clone(raw.value), 'add');
        break;
      case 'replace':
        get(doc, path, raw.path);
        doc = put(doc, path, clone(raw.value), 'replace');
        break;
      case 'remove':
        get(doc, path, raw.path);
        doc = remove(doc, path);
        break;
      case 'copy':
      case 'move': {
        if (typeof raw.from !== 'string') throw badRequest(`${raw.op} operation needs "from"`);
        const from = parsePointer(raw.from);
        const value = clone(get(doc, from, raw.from));
        if (raw.op === 'move') doc = remove(doc, from);
        doc = put(doc, path, value, 'add');
        break;
      }
      case 'test':
        if (JSON.stringify(get(doc, path, raw.path)) !== JSON.stringify(raw.value)) {
          throw new ApiError(
            422,
            'Invalid',
            `the server rejected our request due to an error in our request: test operation failed at ${raw.path}`,
          );
        }
        break;
      default:
        throw badRequest(`Unexpected kind: ${raw.op}`);
    }
  }
  if (!isObject(doc)) throw badRequest('JSON patch replaced the whole object with a non-object');
  return doc;
}

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw badRequest(`invalid JSON pointer "${p}"`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: unknown, path: string[], raw: string): unknown {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined) {
      throw new ApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: missing path ${raw}`,
      );
    }
  }
  return cur;
}

function put(doc: unknown, path: string[], value: unknown, mode: 'add' | 'replace'): unknown {
  if (path.length === 0) return value;
  const parent = get(doc, path.slice(0, -1), '/' + path.slice(0, -1).join('/'));
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) {
      throw new ApiError(
        422,
        'Invalid',
        `the server rejected our request due to an error in our request: index ${last} out of bounds`,
      );
    }
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isObject(parent)) {
    parent[last] = value;
  } else {
    throw new ApiError(
      422,
      'Invalid',
      `the server rejected our request due to an error in our request: cannot add to a scalar`,
    );
  }
  return doc;
}

function remove(doc: unknown, path: string[]): unknown {
  const parent = get(doc, path.slice(0, -1), '/' + path.slice(0, -1).join('/'));
  const last = path[path.length - 1] ?? '';
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isObject(parent)) delete parent[last];
  return doc;
}
