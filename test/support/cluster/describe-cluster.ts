import { describe } from 'vitest';
import { ClusterUnavailableError, clusterBinDir } from './cluster-bin-dir.js';

function skipReason(): string | undefined {
  try {
    clusterBinDir();
    return undefined;
  } catch (e) {
    // In CI a missing component is a failure, never a silent skip.
    if (!(e instanceof ClusterUnavailableError) || process.env.CI === 'true') throw e;
    return e.message;
  }
}

/** Why the real-cluster tests cannot run on this machine (undefined: they can). */
export const clusterSkipReason = skipReason();
if (clusterSkipReason) {
  process.stderr.write(`real-cluster tests skipped: ${clusterSkipReason}\n`);
}

/** `describe` for tests that need the real control plane: skipped, saying why, without Go. */
export function describeCluster(name: string, options: { timeout?: number }, fn: () => void): void {
  describe.skipIf(clusterSkipReason !== undefined)(name, options, fn);
}
