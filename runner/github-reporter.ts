import type { Octokit } from '@octokit/rest';
import PQueue from 'p-queue';
import type { Logger } from '../common/logger.js';
import type { Redact } from '../common/redact.js';
import { commentHeader } from './comment-sections.js';
import { createCommentWriter, type CommentWriter } from './comment-writer.js';
import { createCommentLog } from './create-comment-log.js';
import type { RepoRef } from './github-comments.js';
import { readCommitStatus, writeCommitStatus } from './github-statuses.js';
import {
  defaultWriteRetry,
  isRetryableWriteError,
  retryDelayMs,
  type WriteRetry,
} from './github-write-retry.js';
import { systemClock, type Clock } from '../common/clock.js';
import type { Reporter } from './reporter.js';

export interface GitHubReporterOptions {
  /** Authenticated client with the retry and throttling plugins (`createGitHubClient`). */
  readonly github: Octokit;
  readonly repo: RepoRef;
  readonly clusterId: string;
  /** Applied to every comment body, status description and target URL sent. */
  readonly redact: Redact;
  readonly log: Logger;
  /** Minimum time between two edits of one comment. Default 3,000 ms. */
  readonly minEditIntervalMs?: number;
  readonly clock?: Clock;
  /** Retries of a failed write after Octokit's own. Default 4 attempts from 2 s, doubling. */
  readonly retry?: Partial<WriteRetry>;
}

/**
 * Handler logs as GitHub comments (one per log, created at its first section, then edited,
 * coalesced), and commit statuses. Every write of the reporter goes through one queue, one at a
 * time, which keeps GitHub's secondary rate limits (content creation) at bay. A GitHub failure
 * is logged and retried a bounded number of times; it never fails the handler.
 */
export function createGitHubReporter(options: GitHubReporterOptions): Reporter {
  const { github, repo, redact, log } = options;
  const clock = options.clock ?? systemClock;
  const retry: WriteRetry = { ...defaultWriteRetry, ...options.retry };
  const queue = new PQueue({ concurrency: 1 });
  const writers = new Set<CommentWriter>();
  let lostStatuses = 0;

  return {
    commentLog(target, handler) {
      const writer = createCommentWriter({
        github,
        repo,
        target,
        header: commentHeader(options.clusterId, handler),
        redact,
        log: log.child({ handler, comment: target.kind === 'commit' ? target.sha : target.number }),
        queue,
        minEditIntervalMs: options.minEditIntervalMs ?? 3000,
        clock,
        retry,
      });
      writers.add(writer);
      return createCommentLog(writer);
    },

    async setCommitStatus(status) {
      for (let attempt = 1; ; attempt++) {
        try {
          await queue.add(() => writeCommitStatus(github, repo, status, redact));
          return;
        } catch (error) {
          const final = !isRetryableWriteError(error) || attempt >= retry.attempts;
          const message = `Could not set commit status ${status.state} [${status.context}] on ${status.sha.slice(0, 12)}`;
          if (final) {
            lostStatuses += 1;
            log.error({ err: error, attempts: attempt }, `${message}; giving up`);
            return;
          }
          const delay = retryDelayMs(error, attempt, retry);
          log.warn({ err: error, attempt, retryInMs: delay }, `${message}; retrying`);
          await clock.sleep(delay);
        }
      }
    },

    getCommitStatus: (sha, context) => readCommitStatus(github, repo, sha, context),

    lostWrites: () => ({
      comments: [...writers].filter((w) => w.unwritten()).length,
      statuses: lostStatuses,
    }),

    async flush() {
      try {
        await Promise.all([...writers].map((w) => w.flush()));
        await queue.onIdle();
      } catch (error) {
        log.error({ err: error }, 'Flushing the GitHub reporter failed');
      }
    },
  };
}
