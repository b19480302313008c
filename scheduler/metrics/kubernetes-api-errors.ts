/**
 * Where failed Kubernetes API calls are reported (`kubernetesError` in
 * scheduler/kubernetes/kubernetes-api-error.ts calls {@link reportKubernetesApiError}): the
 * scheduler's metrics listen; nobody listening costs nothing.
 */
type Listener = (verb: string, resource: string) => void;

const listeners = new Set<Listener>();

export function onKubernetesApiError(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function reportKubernetesApiError(verb: string, resource: string): void {
  for (const listener of listeners) listener(verb, resource);
}
