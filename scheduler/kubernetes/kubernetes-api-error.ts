import { ApiException } from '@kubernetes/client-node';
import { QuickcdError, errorMessage, type QuickcdErrorCode } from '../../common/errors.js';
import { countKubernetesFailure, type KubeVerb } from './kube-call.js';

/** One Kubernetes API call, as RBAC sees it: for error messages and log context. */
export interface KubeCall {
  readonly verb: KubeVerb;
  /** Plural resource, with its API group when not core (`leases.coordination.k8s.io`). */
  readonly resource: string;
  readonly namespace: string;
  readonly name?: string;
}

/** The HTTP status of a failed client-node call; undefined for network errors. */
export function apiStatusCode(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

/** The `message` of the Kubernetes Status in a failed call's body, if there is one. */
function statusMessage(error: unknown): string {
  if (!(error instanceof ApiException)) return errorMessage(error);
  const body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: unknown };
      if (typeof status.message === 'string') return status.message;
    } catch {
      return body.slice(0, 500) || `HTTP ${error.code}`;
    }
  }
  return `HTTP ${error.code}`;
}

/**
 * A failed Kubernetes call as a QuickcdError naming what failed, in which namespace, and for
 * 403 which RBAC permission is missing.
 */
export function kubernetesError(
  call: KubeCall,
  error: unknown,
  code: QuickcdErrorCode = 'KUBERNETES_FAILED',
): QuickcdError {
  const status = apiStatusCode(error);
  countKubernetesFailure(call.verb, call.resource, error);
  const target = `${call.resource}${call.name ? ` "${call.name}"` : ''} in namespace "${call.namespace}"`;
  let message = `Kubernetes: cannot ${call.verb} ${target}: ${statusMessage(error)}`;
  if (status === 403) {
    message +=
      `. The service account needs RBAC permission: verb "${call.verb}" on resource ` +
      `"${call.resource}" in namespace "${call.namespace}" (a Role bound with a RoleBinding).`;
  } else if (status === undefined) {
    message += ' (is the cluster reachable?)';
  }
  return new QuickcdError(code, message, {
    verb: call.verb,
    resource: call.resource,
    namespace: call.namespace,
    ...(call.name === undefined ? {} : { name: call.name }),
    ...(status === undefined ? {} : { status }),
    cause: error,
  });
}
