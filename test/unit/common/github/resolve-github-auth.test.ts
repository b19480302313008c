import { describe, expect, it } from 'vitest';
import { isQuickcdError } from '../../../../common/errors.js';
import { lazyAppAuth } from '../../../../common/github/lazy-app-auth.js';
import { resolveGitHubAuth } from '../../../../common/github/resolve-github-auth.js';

describe('resolveGitHubAuth', () => {
  it('prefers a token', () => {
    expect(resolveGitHubAuth({ githubToken: 'ghp_x', githubAppId: '1' })).toEqual({
      auth: 'ghp_x',
    });
  });

  it('uses the GitHub App strategy with all three App settings', () => {
    const auth = resolveGitHubAuth({
      githubAppId: '12',
      githubAppPrivateKey: '-----BEGIN PRIVATE KEY-----',
      githubAppInstallationId: '34',
    });
    expect(auth).toEqual({
      authStrategy: lazyAppAuth,
      auth: { appId: '12', privateKey: '-----BEGIN PRIVATE KEY-----', installationId: '34' },
    });
  });

  it('names the variables when no credential is set', () => {
    try {
      resolveGitHubAuth({});
      expect.unreachable();
    } catch (error) {
      expect(isQuickcdError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain('QUICKCD_GITHUB_TOKEN');
      expect((error as Error).message).toContain('QUICKCD_GITHUB_APP_ID');
    }
  });

  it('names the missing App variables', () => {
    expect(() => resolveGitHubAuth({ githubAppId: '12' })).toThrow(
      /QUICKCD_GITHUB_APP_PRIVATE_KEY and QUICKCD_GITHUB_APP_INSTALLATION_ID/,
    );
  });
});
