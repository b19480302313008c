import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../repo-root.js';

/** The binaries test/cluster/build provides. */
export const CLUSTER_BINARIES = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kubectl',
  'helm',
] as const;

/** Why the real control plane cannot run here (no Go, failed build), with what to do. */
export class ClusterUnavailableError extends Error {
  readonly code = 'CLUSTER_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClusterUnavailableError';
  }
}

let cached: string | undefined;

/**
 * The directory holding etcd, kube-apiserver, kube-controller-manager, kubectl and helm, built
 * (once, cached outside the clone) by test/cluster/build. `QUICKCD_CLUSTER_BIN_DIR` points at
 * prebuilt ones instead (e.g. a directory the build printed before).
 */
export function clusterBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.QUICKCD_CLUSTER_BIN_DIR) return env.QUICKCD_CLUSTER_BIN_DIR;
  if (cached !== undefined) return cached;
  try {
    cached = execFileSync(join(repoRoot(), 'test', 'cluster', 'build'), ['--print-bin-dir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch (e) {
    throw new ClusterUnavailableError(
      `test/cluster/build failed, so the real control plane cannot start: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return cached;
}
