import type { createAppAuth } from '@octokit/auth-app';
import type { Config } from '../config.js';
import { QuickcdError } from '../errors.js';
import { lazyAppAuth } from './lazy-app-auth.js';

export type GitHubAuthConfig = Partial<
  Pick<Config, 'githubToken' | 'githubAppId' | 'githubAppPrivateKey' | 'githubAppInstallationId'>
>;

/** Octokit constructor options for the configured credential: a token, or a GitHub App. */
export type GitHubAuthOptions =
  | { readonly auth: string }
  | {
      readonly authStrategy: typeof createAppAuth;
      readonly auth: { appId: string; privateKey: string; installationId: string };
    };

const appVariables = {
  githubAppId: 'QUICKCD_GITHUB_APP_ID',
  githubAppPrivateKey: 'QUICKCD_GITHUB_APP_PRIVATE_KEY',
  githubAppInstallationId: 'QUICKCD_GITHUB_APP_INSTALLATION_ID',
} as const;

/**
 * Picks the credential: a token wins; otherwise all three GitHub App settings are needed.
 * `@octokit/auth-app` exchanges the App's JWT for an installation token, caches it (59 minutes
 * of GitHub's 60) and fetches a new one before it expires.
 */
export function resolveGitHubAuth(config: GitHubAuthConfig): GitHubAuthOptions {
  if (config.githubToken) return { auth: config.githubToken };
  const { githubAppId: appId, githubAppPrivateKey: privateKey } = config;
  const installationId = config.githubAppInstallationId;
  if (appId && privateKey && installationId) {
    return { authStrategy: lazyAppAuth, auth: { appId, privateKey, installationId } };
  }
  const given = (Object.keys(appVariables) as (keyof typeof appVariables)[]).filter(
    (key) => config[key] !== undefined,
  );
  if (given.length > 0) {
    const missing = (Object.keys(appVariables) as (keyof typeof appVariables)[])
      .filter((key) => config[key] === undefined)
      .map((key) => appVariables[key]);
    throw new QuickcdError(
      'CONFIG_INVALID',
      `Incomplete GitHub App credentials: set ${missing.join(' and ')} too (or set QUICKCD_GITHUB_TOKEN instead)`,
      { missing },
    );
  }
  throw new QuickcdError(
    'CONFIG_INVALID',
    'No GitHub credentials: set QUICKCD_GITHUB_TOKEN (or GITHUB_TOKEN / CD_GITHUB_TOKEN), or a GitHub App with QUICKCD_GITHUB_APP_ID, QUICKCD_GITHUB_APP_PRIVATE_KEY and QUICKCD_GITHUB_APP_INSTALLATION_ID',
  );
}
