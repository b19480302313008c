import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { expandEnv } from './expand-env.js';
import { fieldRefValue } from './field-ref-value.js';
import { PodConfigError } from './pod-config-error.js';
import { resourceFieldValue } from './resource-field-value.js';
import type { SourceLookup } from './source-lookup.js';

/** What a container's environment is built from besides the Pod itself. */
export interface ContainerEnvInput {
  readonly pod: V1Pod;
  readonly container: V1Container;
  readonly sources: SourceLookup;
  /** The API server Pods reach: KUBERNETES_SERVICE_HOST/PORT and the other service variables. */
  readonly apiServer: { readonly host: string; readonly port: number };
  /** The node's allocatable resources (for `resourceFieldRef` of unset limits). */
  readonly allocatable: Readonly<Record<string, string>>;
}

/** The variables the kubelet sets for the `kubernetes` Service of the `default` namespace. */
export function kubernetesServiceEnv(host: string, port: number): Record<string, string> {
  const url = `tcp://${host}:${port}`;
  return {
    KUBERNETES_SERVICE_HOST: host,
    KUBERNETES_SERVICE_PORT: String(port),
    KUBERNETES_SERVICE_PORT_HTTPS: String(port),
    KUBERNETES_PORT: url,
    [`KUBERNETES_PORT_${port}_TCP`]: url,
    [`KUBERNETES_PORT_${port}_TCP_PROTO`]: 'tcp',
    [`KUBERNETES_PORT_${port}_TCP_PORT`]: String(port),
    [`KUBERNETES_PORT_${port}_TCP_ADDR`]: host,
  };
}

async function keyRef(
  sources: SourceLookup,
  namespace: string,
  kind: 'ConfigMap' | 'Secret',
  ref: { name?: string; key: string; optional?: boolean },
): Promise<string | undefined> {
  const name = ref.name ?? '';
  const data = await (kind === 'Secret'
    ? sources.secret(namespace, name)
    : sources.configMap(namespace, name));
  if (!data) {
    if (ref.optional === true) return undefined;
    throw new PodConfigError(
      'CreateContainerConfigError',
      `${kind.toLowerCase()} "${name}" not found`,
    );
  }
  const value = data.get(ref.key);
  if (value === undefined) {
    if (ref.optional === true) return undefined;
    throw new PodConfigError(
      'CreateContainerConfigError',
      `couldn't find key ${ref.key} in ${kind} ${namespace}/${name}`,
    );
  }
  return value.toString('utf8');
}

/**
 * A container's environment as the kubelet builds it: the `kubernetes` Service variables, then
 * `envFrom` (with `prefix`), then `env` in order (`value` with `$(VAR)` expansion over what came
 * before, `secretKeyRef`, `configMapKeyRef`, `fieldRef`, `resourceFieldRef`). A missing
 * non-optional Secret/ConfigMap or key throws PodConfigError (`CreateContainerConfigError`).
 */
export async function containerEnv(input: ContainerEnvInput): Promise<Record<string, string>> {
  const { pod, container, sources } = input;
  const namespace = pod.metadata?.namespace ?? '';
  const env: Record<string, string> = kubernetesServiceEnv(
    input.apiServer.host,
    input.apiServer.port,
  );
  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    const [kind, ref] = from.secretRef
      ? (['Secret', from.secretRef] as const)
      : (['ConfigMap', from.configMapRef ?? {}] as const);
    const name = ref.name ?? '';
    const data = await (kind === 'Secret'
      ? sources.secret(namespace, name)
      : sources.configMap(namespace, name));
    if (!data) {
      if (ref.optional === true) continue;
      throw new PodConfigError(
        'CreateContainerConfigError',
        `${kind.toLowerCase()} "${name}" not found`,
      );
    }
    for (const [k, v] of data) env[prefix + k] = v.toString('utf8');
  }
  for (const e of container.env ?? []) {
    const from = e.valueFrom;
    let value: string | undefined;
    if (!from) value = expandEnv(e.value ?? '', env);
    else if (from.secretKeyRef)
      value = await keyRef(sources, namespace, 'Secret', from.secretKeyRef);
    else if (from.configMapKeyRef)
      value = await keyRef(sources, namespace, 'ConfigMap', from.configMapKeyRef);
    else if (from.fieldRef) value = fieldRefValue(pod, from.fieldRef.fieldPath) ?? '';
    else if (from.resourceFieldRef) {
      const target =
        pod.spec?.containers.find((c) => c.name === from.resourceFieldRef?.containerName) ??
        container;
      value = resourceFieldValue(target, from.resourceFieldRef, input.allocatable);
    }
    if (value !== undefined) env[e.name] = value;
  }
  return env;
}
