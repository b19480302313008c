import { retry } from '@octokit/plugin-retry';
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Config } from '../config.js';
import { httpFetch } from '../http-fetch.js';
import type { Logger } from '../logger.js';
import { malformedJson } from './malformed-json-plugin.js';
import { resolveGitHubAuth, type GitHubAuthConfig } from './resolve-github-auth.js';

const GitHub = Octokit.plugin(malformedJson, retry, throttling);

export interface GitHubClientTiming {
  /** Milliseconds per second of `Retry-After` and per backoff unit (tests: ~10). Default 1000. */
  readonly retryAfterBaseValue?: number;
  /** Retries of a failed request (5xx, network, malformed JSON). Default 3. */
  readonly retries?: number;
  /** Retries after a primary or secondary rate limit. Default 3. */
  readonly limitRetries?: number;
  /** A primary rate limit that resets later than this is not waited for. Default 900 s. */
  readonly maxRateLimitWaitSeconds?: number;
  /** A response that takes longer is abandoned and retried as a server error. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Extra throttling-plugin options (tests pass Bottleneck groups without write spacing). */
  readonly throttle?: Partial<Omit<ThrottlingOptions, 'onRateLimit' | 'onSecondaryRateLimit'>>;
}

export interface CreateGitHubClientOptions {
  readonly config: GitHubAuthConfig & Pick<Config, 'githubUrl'>;
  readonly log: Logger;
  /**
   * Injected `fetch` (tests); default `httpFetch`, over `node:http` (Node's own `fetch` costs
   * every process ~0.1 s of CPU and ~18 MB to compile its parser).
   */
  readonly fetch?: typeof globalThis.fetch;
  readonly timing?: GitHubClientTiming;
  readonly userAgent?: string;
}

/**
 * The one authenticated Octokit of a process: token or GitHub App auth, the API base URL from
 * configuration (GitHub Enterprise: `https://HOST/api/v3`), requests retried on server errors
 * and malformed responses, primary and secondary rate limits waited out (`Retry-After`
 * respected, a bounded number of times, each logged as a warning), writes spaced as GitHub
 * recommends. Throws `CONFIG_INVALID` when no credential is configured.
 */
export function createGitHubClient(options: CreateGitHubClientOptions): Octokit {
  const { config, log, timing = {} } = options;
  const github = log.child({ component: 'github' });
  const base = timing.retryAfterBaseValue ?? 1000;
  const limitRetries = timing.limitRetries ?? 3;
  const maxWait = timing.maxRateLimitWaitSeconds ?? 900;
  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ) => {
      const willRetry =
        retryCount < limitRetries && (kind === 'secondary' || retryAfter <= maxWait);
      github.warn(
        { method: request.method, url: request.url, retryAfter, retryCount, willRetry },
        `GitHub ${kind} rate limit hit: ${willRetry ? `retrying after ${retryAfter}s` : 'giving up'}`,
      );
      return willRetry;
    };

  return new GitHub({
    ...resolveGitHubAuth(config),
    baseUrl: config.githubUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'quickcd',
    log: {
      // Octokit logs every request at info and every failed one (304s included) at error:
      // both are request chatter, kept at debug; its warnings stay warnings.
      debug: (message: string) => github.debug(message),
      info: (message: string) => github.debug(message),
      warn: (message: string) => github.warn(message),
      error: (message: string) => github.debug(message),
    },
    request: {
      fetch: withTimeout(options.fetch ?? httpFetch, timing.requestTimeoutMs ?? 30_000),
    },
    retry: {
      retries: timing.retries ?? 3,
      retryAfterBaseValue: base,
      // Rate limits (403/429) are the throttling plugin's; client errors are final.
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      ...timing.throttle,
      retryAfterBaseValue: base,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
  });
}

/** A hung connection must not stall polling forever: every request gets a deadline. */
function withTimeout(fetch: typeof globalThis.fetch, ms: number): typeof globalThis.fetch {
  return (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return fetch(input, { ...init, signal });
  };
}
