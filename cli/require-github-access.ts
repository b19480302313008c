import type { Octokit } from '@octokit/rest';
import { QuickcdError } from '../common/errors.js';
import { checkRepoAccess } from '../common/github/check-repo-access.js';
import type { Logger } from '../common/logger.js';

/**
 * Before `quickcd run --github` runs anything: the credentials must work and read every
 * repository it will write to. A refusal (401, 403 that is not a rate limit, 404) fails with
 * `GITHUB_ACCESS_DENIED` naming each repository and the fix; a transient failure is a warning.
 */
export async function requireGitHubAccess(
  github: Octokit,
  repos: readonly string[],
  log: Logger,
): Promise<void> {
  const problems = [];
  for (const repo of repos) {
    const problem = await checkRepoAccess(github, repo);
    if (!problem) continue;
    if (problem.kind === 'transient') {
      log.warn({ repo, status: problem.status }, `${problem.message}; going on`);
      continue;
    }
    problems.push(problem);
    // Refused credentials are refused for every repository: one message is enough.
    if (problem.kind === 'bad-credentials') break;
  }
  if (problems.length > 0) {
    throw new QuickcdError(
      'GITHUB_ACCESS_DENIED',
      `Nothing was run: ${problems.map((p) => p.message).join('; ')}`,
      { repos: problems.map((p) => p.repo) },
    );
  }
}
