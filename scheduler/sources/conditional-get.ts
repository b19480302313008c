import type { Octokit } from '@octokit/rest';
import type { Budget } from './budget.js';

export interface ConditionalResult {
  /** 304: unchanged since `etag` (costs no primary rate limit). */
  readonly notModified: boolean;
  readonly data: unknown;
  readonly etag: string | undefined;
  readonly link: string;
}

type Headers = Record<string, string | number | undefined>;

/** One conditional `GET` of a fast source, counted by the budget (rate-limit headers read). */
export async function conditionalGet(
  github: Octokit,
  budget: Budget,
  route: string,
  params: Record<string, string | number>,
  etag: string | undefined,
  signal: AbortSignal | undefined,
): Promise<ConditionalResult> {
  try {
    const response = await github.request(route, {
      ...params,
      headers: etag ? { 'if-none-match': etag } : {},
      ...(signal ? { request: { signal } } : {}),
    });
    const headers = response.headers as Headers;
    budget.record(response.status, headers);
    return {
      notModified: false,
      data: response.data,
      etag: headers.etag === undefined ? undefined : String(headers.etag),
      link: String(headers.link ?? ''),
    };
  } catch (error) {
    const failure = error as { status?: unknown; response?: { headers?: Headers } };
    const headers = failure.response?.headers ?? {};
    budget.record(typeof failure.status === 'number' ? failure.status : 599, headers);
    if (failure.status !== 304) throw error;
    return {
      notModified: true,
      data: undefined,
      etag: headers.etag === undefined ? etag : String(headers.etag),
      link: String(headers.link ?? ''),
    };
  }
}
