import type { Octokit } from '@octokit/core';

/** Shaped like `@octokit/request-error`'s RequestError, which the retry plugin recognises. */
class MalformedResponseError extends Error {
  override readonly name = 'HttpError';
  readonly status = 502;
  constructor(
    readonly request: { readonly request: object; readonly [key: string]: unknown },
    readonly response: {
      readonly headers: Record<string, unknown>;
      readonly [key: string]: unknown;
    },
  ) {
    super('Malformed JSON in the GitHub API response');
  }
}

/**
 * `@octokit/request` hands back the raw text when a JSON response does not parse. This plugin
 * turns that into a 502, so the retry plugin tries again instead of the caller reading a
 * string as data.
 */
export function malformedJson(octokit: Octokit): Record<string, never> {
  octokit.hook.after('request', (response, options) => {
    const type = String(response.headers['content-type'] ?? '');
    if (typeof response.data === 'string' && /\bjson\b/i.test(type)) {
      throw new MalformedResponseError(
        { ...options, request: options.request ?? {} },
        response as unknown as MalformedResponseError['response'],
      );
    }
  });
  return {};
}
