import type { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { pino, type Logger } from 'pino';
import {
  createGitHubClient,
  type CreateGitHubClientOptions,
} from '../../../common/github/create-github-client.js';

export interface CapturedLog {
  readonly log: Logger;
  /** Every line pino wrote, parsed. */
  readonly lines: Record<string, unknown>[];
  readonly warnings: () => Record<string, unknown>[];
}

/** A pino logger writing JSON lines into an array, as the tests read them. */
export function captureLog(level: pino.LevelWithSilent = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines, warnings: () => lines.filter((l) => l.level === 40) };
}

/**
 * A client for the test server with fast timing: a second of `Retry-After` or of backoff is 10
 * ms, and writes are not spaced (the throttling plugin's write groups otherwise hold every
 * write for 1 s, and every comment creation for 3 s).
 */
export function testClient(
  server: { url: string; token: string },
  log: Logger,
  overrides: Partial<CreateGitHubClientOptions> = {},
): Octokit {
  const group = () => new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 });
  return createGitHubClient({
    config: { githubToken: server.token, githubUrl: server.url },
    log,
    timing: {
      retryAfterBaseValue: 10,
      throttle: { write: group(), notifications: group() },
    },
    ...overrides,
  });
}
