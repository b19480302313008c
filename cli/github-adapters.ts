import type { Config } from '../common/config.js';
import { createGitHubClient } from '../common/github/create-github-client.js';
import { getGitToken } from '../common/github/get-git-token.js';
import { createLogger } from '../common/logger.js';
import { createGitHubReporter } from '../runner/github-reporter.js';
import type { PrepareRunnerOptions } from '../runner/prepare-runner.js';

/**
 * What a runner needs to talk to GitHub for real: the client (retries, rate limits, token or
 * App auth), the comment/status reporter, and the token git should use (a GitHub App's
 * installation token is fetched here, once, before any handler runs).
 */
export async function githubAdapters(
  config: Config,
): Promise<Pick<PrepareRunnerOptions, 'createGitHub' | 'githubReporter' | 'gitToken'>> {
  const probe = createGitHubClient({
    config,
    log: createLogger({ level: config.logLevel, format: config.logFormat }),
  });
  const gitToken = config.githubToken ?? (await getGitToken(probe));
  return {
    createGitHub: (c, log) => createGitHubClient({ config: c, log }),
    githubReporter: (args) => createGitHubReporter(args),
    ...(gitToken ? { gitToken } : {}),
  };
}
