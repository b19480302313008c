import { execFileSync, spawnSync } from 'node:child_process';
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
  // Without Go the build stops at once, saying what to install: keep its words for the reason
  // the cluster tests give. Otherwise its progress goes straight to stderr (a first build is long).
  const goMissing = spawnSync('go', ['version'], { env, stdio: 'ignore' }).error !== undefined;
  try {
    cached = execFileSync(join(repoRoot(), 'test', 'cluster', 'build'), ['--print-bin-dir'], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', goMissing ? 'pipe' : 'inherit'],
    }).trim();
  } catch (e) {
    const { stderr } = e as { stderr?: string | null };
    const said = typeof stderr === 'string' ? stderr.trim() : '';
    throw new ClusterUnavailableError(
      `test/cluster/build failed, so the real control plane cannot start: ${said || (e as Error).message}`,
      { cause: e },
    );
  }
  return cached;
}
