import { QuickcdError } from '../common/errors.js';
import type { Octokit } from '@octokit/rest';

export interface EventsPage {
  /** 304: unchanged since `etag` (cost no rate limit); no events then. */
  readonly notModified: boolean;
  /** The raw events, newest first (validated later, one by one). */
  readonly events: readonly unknown[];
  readonly etag: string | undefined;
  /** Whether `Link` names a next page. */
  readonly hasNext: boolean;
  /** `X-Poll-Interval`, seconds, when sent. */
  readonly pollInterval: number | undefined;
}

export const EVENTS_PER_PAGE = 100;

/** One page of `GET /repos/{owner}/{repo}/events`, conditional on `etag`. */
export async function fetchEventsPage(
  github: Octokit,
  args: {
    owner: string;
    repo: string;
    page: number;
    etag?: string | undefined;
    signal?: AbortSignal | undefined;
  },
): Promise<EventsPage> {
  try {
    const response = await github.request('GET /repos/{owner}/{repo}/events', {
      owner: args.owner,
      repo: args.repo,
      per_page: EVENTS_PER_PAGE,
      page: args.page,
      headers: args.etag ? { 'if-none-match': args.etag } : {},
      ...(args.signal ? { request: { signal: args.signal } } : {}),
    });
    const headers = response.headers as Record<string, string | undefined>;
    const data: unknown = response.data;
    if (!Array.isArray(data)) {
      throw new QuickcdError(
        'GITHUB_FAILED',
        'The events API answered with something other than a list',
        {
          page: args.page,
        },
      );
    }
    return {
      notModified: false,
      events: data,
      etag: headers.etag,
      hasNext: /rel="next"/.test(headers.link ?? ''),
      pollInterval: seconds(headers['x-poll-interval']),
    };
  } catch (error) {
    const failure = error as { status?: unknown; response?: { headers?: Record<string, string> } };
    if (failure.status !== 304) throw error;
    const headers = failure.response?.headers ?? {};
    return {
      notModified: true,
      events: [],
      etag: headers.etag ?? args.etag,
      hasNext: /rel="next"/.test(headers.link ?? ''),
      pollInterval: seconds(headers['x-poll-interval']),
    };
  }
}

function seconds(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}
