/**
 * Why a container cannot start yet, as the kubelet reports it: `CreateContainerConfigError`
 * (a missing Secret/ConfigMap or key in env), `ContainerCreating` (a volume cannot be set up).
 * The pod worker shows it as the container's waiting state and retries.
 */
export class PodConfigError extends Error {
  override readonly name = 'PodConfigError';
  constructor(
    readonly code: 'CreateContainerConfigError' | 'ContainerCreating',
    message: string,
  ) {
    super(message);
  }
}
