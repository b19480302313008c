/**
 * Only one scheduler polls and dispatches at a time. Implementations: a Kubernetes Lease
 * (several replicas in a cluster) and a lock file in the state directory (embedded store).
 */
export interface Leadership {
  /**
   * Resolves once this process holds the lease, and keeps renewing it in the background. The
   * returned signal aborts when the lease is lost (renewal failed past the lease duration, or
   * another holder took it); the caller must stop dispatching then. Rejects if `signal` aborts
   * first.
   */
  acquire(signal: AbortSignal): Promise<AbortSignal>;
  /** Stops renewing and gives the lease up, so another replica can take over at once. */
  release(): Promise<void>;
}
