import type { Octokit } from '@octokit/rest';
import { errorMessage } from '../errors.js';

/** Why the credentials cannot read a repository; `transient` ones are worth trying again. */
export interface RepoAccessProblem {
  readonly repo: string;
  /**
   * `bad-credentials` (401), `forbidden` (403, not a rate limit), `not-found` (404: missing,
   * or not visible to these credentials), or `transient` (rate limit, server or network error).
   */
  readonly kind: 'bad-credentials' | 'forbidden' | 'not-found' | 'transient';
  readonly status: number | undefined;
  /** The permission to grant, for logs and readiness. */
  readonly permission: string;
  /** One sentence naming the repository, the problem and the fix. */
  readonly message: string;
}

interface HttpFailure {
  readonly status?: unknown;
  readonly message?: unknown;
  readonly response?: { readonly headers?: Readonly<Record<string, string | undefined>> };
}

const READ_PERMISSION =
  'read access to the repository: a classic token needs the repo scope (public_repo for a public one); a fine-grained token or GitHub App installation must include the repository with Metadata: read and Contents: read';

/**
 * Whether the client's credentials can read `repo` (`owner/name`): `GET /repos/{owner}/{repo}`.
 * Resolves with the problem, or `undefined` when it is readable. Never rejects.
 */
export async function checkRepoAccess(
  github: Octokit,
  repo: string,
  signal?: AbortSignal,
): Promise<RepoAccessProblem | undefined> {
  const [owner = '', name = ''] = repo.split('/');
  try {
    await github.rest.repos.get({ owner, repo: name, ...(signal ? { request: { signal } } : {}) });
    return undefined;
  } catch (error) {
    return classifyGitHubFailure(repo, error);
  }
}

/** What a failed request to `repo` says about the credentials' access to it. */
export function classifyGitHubFailure(repo: string, error: unknown): RepoAccessProblem {
  const failure = (error ?? {}) as HttpFailure;
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const said = errorMessage(error);
  if (status === 401) {
    return {
      repo,
      kind: 'bad-credentials',
      status,
      permission: 'valid credentials',
      message: `GitHub refused the credentials while reading ${repo} (401 ${said}): check QUICKCD_GITHUB_TOKEN (or GITHUB_TOKEN, CD_GITHUB_TOKEN) or the QUICKCD_GITHUB_APP_* settings, and QUICKCD_GITHUB_URL`,
    };
  }
  if (status === 404) {
    return {
      repo,
      kind: 'not-found',
      status,
      permission: READ_PERMISSION,
      message: `${repo} is not visible to these credentials (404): check the name, and grant ${READ_PERMISSION}`,
    };
  }
  if (status === 403 && !isRateLimit(failure)) {
    return {
      repo,
      kind: 'forbidden',
      status,
      permission: READ_PERMISSION,
      message: `the credentials may not read ${repo} (403 ${said}): grant ${READ_PERMISSION}`,
    };
  }
  return {
    repo,
    kind: 'transient',
    status,
    permission: 'none (a transient failure)',
    message: `cannot check access to ${repo} now${status ? ` (${status})` : ''}: ${said}`,
  };
}

function isRateLimit(failure: HttpFailure): boolean {
  const headers = failure.response?.headers ?? {};
  if (headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined) return true;
  return typeof failure.message === 'string' && /rate limit/i.test(failure.message);
}
