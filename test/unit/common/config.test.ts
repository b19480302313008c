import { describe, expect, it } from 'vitest';
import { loadConfig, requireRepos, secretValues } from '../../../common/config.js';
import { QuickcdError } from '../../../common/errors.js';

const fail = (env: Record<string, string>, flags = {}) => {
  try {
    loadConfig(env, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(QuickcdError);
    expect((error as QuickcdError).code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
};

describe('loadConfig', () => {
  it('has safe defaults: Kubernetes adapters, 60 s polling, attempts³ minutes capped at 6 h', () => {
    const c = loadConfig({});
    expect([c.store, c.executor, c.pollInterval, c.retryBaseSeconds, c.retryMaxSeconds]).toEqual([
      'kubernetes',
      'kubernetes',
      60,
      60,
      21_600,
    ]);
    expect(c.githubUrl).toBe('https://api.github.com');
    expect(c.clusterId).toBe('quickcd');
  });

  it("accepts the original quickcd's CD_* names", () => {
    const c = loadConfig({
      CD_GITHUB_DOMAIN: 'github.example.com',
      CD_GITHUB_ORG_NAME: 'acme',
      CD_GITHUB_REPO_NAME: 'webapp',
      CD_GITHUB_TOKEN: 'ghp_legacy',
      CD_NAMESPACE: 'cd',
      CD_ENVIRONMENT: 'prod',
      CD_REGION_DASHED: 'us-south',
      CD_CLUSTER_NAME: 'c1',
      CD_DEBUG: 'true',
    });
    expect(c.githubUrl).toBe('https://github.example.com/api/v3');
    expect(c.repos).toEqual([{ owner: 'acme', name: 'webapp', fullName: 'acme/webapp' }]);
    expect([c.githubToken, c.namespace, c.clusterId, c.logLevel]).toEqual([
      'ghp_legacy',
      'cd',
      'prod/us-south/c1',
      'debug',
    ]);
  });

  it('prefers QUICKCD_* over legacy names, and flags over both', () => {
    const c = loadConfig(
      {
        QUICKCD_STORE: 'file',
        QUICKCD_REPO: 'a/b, c/d,a/b',
        GITHUB_TOKEN: 'x1234',
        CD_GITHUB_TOKEN: 'old1',
      },
      { store: 'kubernetes' },
    );
    expect(c.store).toBe('kubernetes');
    expect(c.repos.map((r) => r.fullName)).toEqual(['a/b', 'c/d']);
    expect(c.githubToken).toBe('x1234');
  });

  it('names the variable, what was expected and what was given', () => {
    expect(fail({ QUICKCD_POLL_INTERVAL: 'soon' })).toMatch(
      /QUICKCD_POLL_INTERVAL: expected a number of seconds.*got "soon"/,
    );
    expect(fail({}, { 'poll-interval': '0' })).toMatch(
      /--poll-interval: expected at least 1, got 0$/m,
    );
    expect(fail({ QUICKCD_REPO: 'webapp' })).toMatch(/QUICKCD_REPO: expected owner\/name/);
    expect(fail({ QUICKCD_STORE: 'redis' })).toMatch(/QUICKCD_STORE: .*"file".*got "redis"/);
    expect(fail({ QUICKCD_JOB_TTL_SECONDS: '0' })).toMatch(
      /QUICKCD_JOB_TTL_SECONDS: expected at least 1, got 0$/m,
    );
    expect(fail({ QUICKCD_JOB_NODE_SELECTOR: '{oops' })).toMatch(
      /QUICKCD_JOB_NODE_SELECTOR: expected JSON/,
    );
  });

  it('never echoes a secret in an error', () => {
    const message = fail({
      QUICKCD_GITHUB_APP_PRIVATE_KEY: 'not-a-key-but-secret-value',
    });
    expect(message).toMatch(
      /QUICKCD_GITHUB_APP_PRIVATE_KEY: expected a PEM private key, got \(hidden\)/,
    );
    expect(message).not.toContain('secret-value');
  });

  it('requireRepos names the variable to set', () => {
    expect(() => requireRepos(loadConfig({}))).toThrow(/QUICKCD_REPO=owner\/name/);
  });

  it('secretValues lists the token and the values of QUICKCD_SECRET_ENV variables', () => {
    const env = {
      QUICKCD_GITHUB_TOKEN: 'ghp_abcdef',
      QUICKCD_SECRET_ENV: 'API_KEY',
      API_KEY: 'k-123456',
    };
    expect(secretValues(loadConfig(env), env).sort()).toEqual(['ghp_abcdef', 'k-123456']);
  });
});

describe('loadConfig: clear messages (issue 11)', () => {
  it('says a count must be a positive integer, with what was given', () => {
    expect(fail({ QUICKCD_CONCURRENCY: '0' })).toContain(
      'QUICKCD_CONCURRENCY: expected a positive integer, got 0',
    );
    expect(fail({ QUICKCD_CONCURRENCY: 'many' })).toContain(
      'QUICKCD_CONCURRENCY: expected a positive integer, got "many"',
    );
    expect(fail({ QUICKCD_CONCURRENCY: '1.5' })).toContain(
      'QUICKCD_CONCURRENCY: expected a positive integer, got 1.5',
    );
  });

  it('reports a bad entry of a repository list once, by itself', () => {
    const message = fail({}, { repo: 'a/b/c,x' });
    expect(message.split('\n').slice(1)).toEqual([
      '  --repo: expected owner/name, for example "acme/webapp", got "a/b/c"',
      '  --repo: expected owner/name, for example "acme/webapp", got "x"',
    ]);
    expect(fail({ QUICKCD_REPO: 'acme/web,bad' })).toBe(
      'Invalid configuration:\n  QUICKCD_REPO: expected owner/name, for example "acme/webapp", got "bad"',
    );
  });
});

describe('loadConfig: QUICKCD_TRUSTED_ASSOCIATIONS (issue 13)', () => {
  const valid =
    'OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, MANNEQUIN, NONE';

  it('defaults to the associations with write access', () => {
    expect(loadConfig({}).trustedAssociations).toEqual(['OWNER', 'MEMBER', 'COLLABORATOR']);
  });

  it('reads a comma-separated list, trimmed and without repeats', () => {
    expect(
      loadConfig({ QUICKCD_TRUSTED_ASSOCIATIONS: ' OWNER ,OWNER,CONTRIBUTOR' }).trustedAssociations,
    ).toEqual(['OWNER', 'CONTRIBUTOR']);
  });

  it('names the variable, the bad value and the valid values', () => {
    expect(fail({ QUICKCD_TRUSTED_ASSOCIATIONS: 'OWNER,owner' })).toBe(
      `Invalid configuration:\n  QUICKCD_TRUSTED_ASSOCIATIONS: expected author_association values from ${valid}, got "owner"`,
    );
    expect(fail({ QUICKCD_TRUSTED_ASSOCIATIONS: 'ADMIN' })).toContain('got "ADMIN"');
    expect(fail({ QUICKCD_TRUSTED_ASSOCIATIONS: ' , ' })).toBe(
      `Invalid configuration:\n  QUICKCD_TRUSTED_ASSOCIATIONS: expected at least one of ${valid}, got " , "`,
    );
  });
});
