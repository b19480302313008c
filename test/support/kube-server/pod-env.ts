import type { ObjectStore } from './object-store.js';
import { isObject, type JsonObject, type KubeObject, text } from './types.js';

/** A pod that cannot start yet (missing Secret/ConfigMap): the container's waiting reason. */
export class PodConfigError extends Error {
  constructor(
    readonly reason: 'CreateContainerConfigError' | 'ContainerCreating',
    message: string,
  ) {
    super(message);
    this.name = 'PodConfigError';
  }
}

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

/** The decoded data of a ConfigMap (data + binaryData) or Secret, or undefined when missing. */
export function sourceData(
  store: ObjectStore,
  kind: 'configmap' | 'secret',
  ns: string,
  name: string,
): Map<string, Buffer> | undefined {
  const o = store.get(kind === 'secret' ? 'secrets' : 'configmaps', ns, name);
  if (!o) return undefined;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(obj(o.data))) {
    out.set(k, kind === 'secret' ? Buffer.from(String(v), 'base64') : Buffer.from(String(v)));
  }
  for (const [k, v] of Object.entries(obj(o.binaryData)))
    out.set(k, Buffer.from(String(v), 'base64'));
  return out;
}

function keyRef(
  store: ObjectStore,
  ns: string,
  kind: 'configmap' | 'secret',
  ref: JsonObject,
): string | undefined {
  const name = text(ref.name, '');
  const key = text(ref.key, '');
  const data = sourceData(store, kind, ns, name);
  if (!data) {
    if (ref.optional === true) return undefined;
    throw new PodConfigError('CreateContainerConfigError', `${kind} "${name}" not found`);
  }
  const v = data.get(key);
  if (v === undefined) {
    if (ref.optional === true) return undefined;
    throw new PodConfigError(
      'CreateContainerConfigError',
      `couldn't find key ${key} in ${kind === 'secret' ? 'Secret' : 'ConfigMap'} ${ns}/${name}`,
    );
  }
  return v.toString('utf8');
}

function fieldRef(pod: KubeObject, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m)
    return (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[m[2] ?? ''] ?? '';
  const known: Record<string, unknown> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': obj(pod.spec).nodeName,
    'spec.serviceAccountName': obj(pod.spec).serviceAccountName ?? 'default',
    'status.podIP': '127.0.0.1',
    'status.hostIP': '127.0.0.1',
  };
  if (path === 'metadata.labels' || path === 'metadata.annotations') {
    const map = path === 'metadata.labels' ? pod.metadata.labels : pod.metadata.annotations;
    return Object.entries(map ?? {})
      .map(([k, v]) => `${k}="${v}"`)
      .join('\n');
  }
  return text(known[path], '');
}

/**
 * The container's environment as the kubelet builds it: `envFrom` first, then `env` (value
 * with `$(VAR)` expansion, secretKeyRef, configMapKeyRef, fieldRef). Throws PodConfigError
 * for a missing, non-optional Secret or ConfigMap.
 */
export function containerEnv(
  store: ObjectStore,
  pod: KubeObject,
  container: JsonObject,
): Record<string, string> {
  const ns = pod.metadata.namespace ?? '';
  const env: Record<string, string> = {};
  for (const from of Array.isArray(container.envFrom) ? container.envFrom.map(obj) : []) {
    const prefix = text(from.prefix, '');
    const [kind, ref] = isObject(from.secretRef)
      ? (['secret', from.secretRef] as const)
      : (['configmap', obj(from.configMapRef)] as const);
    const data = sourceData(store, kind, ns, text(ref.name, ''));
    if (!data) {
      if (ref.optional === true) continue;
      throw new PodConfigError(
        'CreateContainerConfigError',
        `${kind} "${String(ref.name)}" not found`,
      );
    }
    for (const [k, v] of data) env[prefix + k] = v.toString('utf8');
  }
  for (const e of Array.isArray(container.env) ? container.env.map(obj) : []) {
    const name = text(e.name, '');
    const from = obj(e.valueFrom);
    let value: string | undefined;
    if (typeof e.value === 'string') value = expand(e.value, env);
    else if (isObject(from.secretKeyRef)) value = keyRef(store, ns, 'secret', from.secretKeyRef);
    else if (isObject(from.configMapKeyRef))
      value = keyRef(store, ns, 'configmap', from.configMapKeyRef);
    else if (isObject(from.fieldRef)) value = fieldRef(pod, text(from.fieldRef.fieldPath, ''));
    else if (e.valueFrom === undefined) value = '';
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Kubernetes `$(VAR)` expansion (`$$(VAR)` escapes); unknown references stay as they are. */
export function expand(s: string, env: Record<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    return name !== undefined && Object.hasOwn(env, name) ? (env[name] ?? '') : all;
  });
}
