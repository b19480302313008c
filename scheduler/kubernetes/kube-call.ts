import { ApiException } from '@kubernetes/client-node';
import { reportKubernetesApiError } from '../metrics/kubernetes-api-errors.js';

/** The RBAC verb of a Kubernetes call (`watch`: a watch that could not start or broke). */
export type KubeVerb = 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'watch';

// A failure is counted once, however many layers see it (a call wrapped here whose error a
// caller then turns into a `kubernetesError`).
const counted = new WeakSet<object>();

/**
 * Counts one failed Kubernetes call in `quickcd_kubernetes_api_errors_total{verb,resource}`
 * (`resource`: plural, with its API group when not core, e.g. `leases.coordination.k8s.io`).
 */
export function countKubernetesFailure(verb: KubeVerb, resource: string, error: unknown): void {
  if (typeof error === 'object' && error !== null) {
    if (counted.has(error)) return;
    counted.add(error);
  }
  reportKubernetesApiError(verb, resource);
}

/**
 * Runs one Kubernetes call: a failure is counted, then thrown unchanged for the caller to
 * handle; `expected` statuses (a 404 that means "absent", a 409 that means "exists") are
 * answers, not failures, and are not counted.
 */
export async function kubeCall<T>(
  verb: KubeVerb,
  resource: string,
  call: () => Promise<T>,
  expected: readonly number[] = [],
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = error instanceof ApiException ? error.code : undefined;
    if (status === undefined || !expected.includes(status)) {
      countKubernetesFailure(verb, resource, error);
    }
    throw error;
  }
}

/**
 * Counts the end of a watch (`done` of client-node's Watch, or its rejected start) as a failed
 * `watch` of `resource` when it ended with an error (not a normal close, not our own abort).
 * A watch ERROR event other than 410 Gone (which only means "resume from a fresh list") counts
 * too: pass its status object.
 */
export function countWatchFailure(resource: string, error: unknown): void {
  if (!error) return;
  if (error instanceof Error && error.name === 'AbortError') return;
  const code = (error as { code?: unknown }).code;
  if (code === 410) return;
  countKubernetesFailure('watch', resource, error);
}
