import type { Octokit } from '@octokit/rest';

/**
 * The token `git` should use for clones and fetches: the configured token, or the GitHub App's
 * current installation token (cached by `@octokit/auth-app`, renewed before it expires; call
 * again for a long-running job). Undefined for an unauthenticated client.
 */
export async function getGitToken(octokit: Pick<Octokit, 'auth'>): Promise<string | undefined> {
  const auth = (await octokit.auth({ type: 'installation' })) as { token?: unknown };
  return typeof auth.token === 'string' && auth.token !== '' ? auth.token : undefined;
}
