import { Octokit } from '@octokit/rest';
import type { Config } from '../common/config.js';
import type { PrepareRunnerOptions } from '../runner/prepare-runner.js';

/** The GitHub client and reporter a runner uses when it talks to GitHub for real. */
export async function githubAdapters(
  config: Config,
): Promise<Pick<PrepareRunnerOptions, 'createGitHub' | 'githubReporter' | 'gitToken'>> {
  return {
    createGitHub: () =>
      new Octokit({
        baseUrl: config.githubUrl,
        ...(config.githubToken ? { auth: config.githubToken } : {}),
      }),
  };
}
