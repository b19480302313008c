import type { Octokit } from '@octokit/rest';

interface Counted {
  status?: number;
  headers?: Record<string, string | number | undefined>;
  response?: { status?: number; headers?: Record<string, string | number | undefined> };
}

/**
 * Counts every GitHub API response of `github` by status (a 304 is its own status, as Octokit
 * reports it as an error) and keeps the last `x-ratelimit-remaining`.
 */
export function instrumentGitHub(
  github: Octokit,
  count: (status: number, rateLimitRemaining?: number) => void,
): void {
  const remaining = (headers: Counted['headers']) => {
    const value = headers?.['x-ratelimit-remaining'];
    return value === undefined ? undefined : Number(value);
  };
  github.hook.after('request', (response) => {
    const r = response as Counted;
    count(r.status ?? 0, remaining(r.headers));
  });
  github.hook.error('request', (error) => {
    const e = error as Counted;
    const status = e.status ?? e.response?.status ?? 0;
    count(status, remaining(e.response?.headers));
    throw error;
  });
}
