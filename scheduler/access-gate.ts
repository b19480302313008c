import type { RepoAccessProblem } from '../common/github/check-repo-access.js';
import type { Logger } from '../common/logger.js';
import type { Readiness } from './readiness.js';

export type CheckAccess = (
  repo: string,
  signal: AbortSignal,
) => Promise<RepoAccessProblem | undefined>;

export interface AccessGate {
  /**
   * Whether `repo` may be polled now: true once its access is confirmed (or only a transient
   * failure stood in the way). Resolves with the retry delay (ms) when access is refused.
   */
  check(repo: string, signal: AbortSignal): Promise<true | number>;
  /** A request to `repo` succeeded: its access works. */
  granted(repo: string): void;
  /** Access to `repo` was refused: not ready; resolves with the delay before checking again. */
  denied(problem: RepoAccessProblem): number;
}

/**
 * Tracks which repositories the credentials can read. A refused one makes the scheduler not
 * ready (`github:<repo>` → the problem, naming the missing permission), is logged as an error,
 * and is checked again after a doubling delay (`backoffMs(n)` for the n-th refusal).
 */
export function createAccessGate(options: {
  readonly checkAccess: CheckAccess | undefined;
  readonly readiness: Readiness;
  readonly log: Logger;
  readonly backoffMs: (failures: number) => number;
}): AccessGate {
  const { checkAccess, readiness, log } = options;
  const verified = new Set<string>();
  const failures = new Map<string, number>();

  const gate: AccessGate = {
    async check(repo, signal) {
      if (!checkAccess || verified.has(repo)) return true;
      const problem = await checkAccess(repo, signal);
      if (!problem) {
        gate.granted(repo);
        return true;
      }
      if (problem.kind === 'transient') {
        log.warn({ repo, status: problem.status }, `${problem.message}; polling anyway`);
        return true;
      }
      return gate.denied(problem);
    },

    granted(repo) {
      if (failures.has(repo)) log.info({ repo }, 'GitHub access to the repository works again');
      verified.add(repo);
      failures.delete(repo);
      readiness.clear(`github:${repo}`);
    },

    denied(problem) {
      const { repo } = problem;
      verified.delete(repo);
      const n = (failures.get(repo) ?? 0) + 1;
      failures.set(repo, n);
      const delay = options.backoffMs(n);
      readiness.set(`github:${repo}`, problem.message);
      log.error(
        {
          repo,
          status: problem.status,
          missing: problem.permission,
          checks: n,
          retryInSeconds: delay / 1000,
        },
        `${problem.message}; not polling ${repo}, checking again later`,
      );
      return delay;
    },
  };
  return gate;
}
