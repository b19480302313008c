import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/cluster/build, found from this module wherever it runs (source, or a bundle in the repo). */
function buildScript(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'test', 'cluster', 'build');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) throw new ClusterUnavailableError('test/cluster/build not found');
  }
}

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
    cached = execFileSync(buildScript(), ['--print-bin-dir'], {
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
