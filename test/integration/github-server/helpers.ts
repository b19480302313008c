import { Octokit } from '@octokit/rest';
import type { GitHubTestServer } from '../../support/github-server/index.js';

/** A plain Octokit (no retry or throttling) for the test server; `null`: unauthenticated. */
export function octokitFor(server: GitHubTestServer, auth: string | null = server.token): Octokit {
  return new Octokit({ baseUrl: server.url, ...(auth === null ? {} : { auth }) });
}

/** A raw request to the server, answering status, headers and the parsed body (if JSON). */
export async function call(
  server: GitHubTestServer,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; auth?: string | null } = {},
): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const auth = options.auth === undefined ? `token ${server.token}` : options.auth;
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      accept: 'application/vnd.github+json',
      ...(auth === null ? {} : { authorization: auth }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export const SHA = 'c0ffee'.padEnd(40, '1');

/** The status and response body of an Octokit request that must fail. */
export async function failure(
  promise: Promise<unknown>,
): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { status?: unknown; response?: { data?: unknown; headers?: unknown } };
    if (typeof e.status !== 'number') throw error;
    return {
      status: e.status,
      data: e.response?.data,
      headers: (e.response?.headers ?? {}) as Record<string, unknown>,
    };
  }
  throw new Error('expected the request to fail');
}
