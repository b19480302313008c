import type { Shell } from '../shell.js';

/** What Helm knows of a release before the pipeline touches it. */
export interface ReleaseState {
  /** Helm has a release of that name in that namespace (in any status). */
  readonly exists: boolean;
  /** The highest revision whose status is `deployed`: what a rollback returns to. */
  readonly lastDeployed: number | undefined;
}

interface HistoryEntry {
  readonly revision: number;
  readonly status: string;
}

/** Reads a release's state from `helm list -o json` and `helm history -o json`. */
export async function releaseState(
  sh: Shell,
  release: string,
  namespace: string,
): Promise<ReleaseState> {
  const listed = JSON.parse(
    await sh`helm list --all --namespace ${namespace} --filter ${`^${release}$`} -o json`,
  ) as { name: string }[];
  if (!listed.some((r) => r.name === release)) return { exists: false, lastDeployed: undefined };
  const history = JSON.parse(
    await sh`helm history ${release} --namespace ${namespace} --max 256 -o json`,
  ) as HistoryEntry[];
  return { exists: true, lastDeployed: lastDeployedRevision(history) };
}

/** The highest `deployed` revision of a `helm history -o json` list. */
export function lastDeployedRevision(history: readonly HistoryEntry[]): number | undefined {
  const deployed = history.filter((h) => h.status === 'deployed').map((h) => h.revision);
  return deployed.length === 0 ? undefined : Math.max(...deployed);
}
