import type { Octokit } from '@octokit/rest';
import type { Logger } from '../common/logger.js';
import type { Redact } from '../common/redact.js';
import { renderSection, type Section } from './comment-sections.js';
import { composeComments } from './compose-comments.js';
import {
  createTargetComment,
  updateTargetComment,
  type PostedComment,
  type RepoRef,
} from './github-comments.js';
import { isRetryableWriteError, retryDelayMs, type WriteRetry } from './github-write-retry.js';
import type { Clock } from '../common/clock.js';
import type { CommentTarget } from './reporter.js';

/** Runs writes one at a time (a p-queue with concurrency 1). */
export interface WriteQueue {
  add<T>(write: () => Promise<T>): Promise<T>;
}

export interface CommentWriterOptions {
  readonly github: Octokit;
  readonly repo: RepoRef;
  readonly target: CommentTarget;
  /** `## <cluster-id>: <handler>` */
  readonly header: string;
  readonly redact: Redact;
  readonly log: Logger;
  readonly queue: WriteQueue;
  readonly minEditIntervalMs: number;
  readonly clock: Clock;
  readonly retry: WriteRetry;
}

export interface CommentWriter {
  add(section: Section): void;
  /** HTML URL of the first comment once created. */
  url(): string | undefined;
  /** Resolves once the latest state is written, or given up after bounded retries. Never rejects. */
  flush(): Promise<void>;
  /** Whether the latest state never reached GitHub (after a flush: the write was lost). */
  unwritten(): boolean;
}

interface WriterState {
  /** Rendered, redacted sections. */
  readonly sections: string[];
  /** The comments of this log so far (more than one after an overflow), and what each shows. */
  readonly comments: (PostedComment & { sent: string })[];
  version: number;
  writtenVersion: number;
  lastWriteAt: number | undefined;
  attempts: number;
  gaveUp: boolean;
  pump: Promise<void> | undefined;
}

/**
 * One log's comment(s) on GitHub. The first section creates the comment at once; later ones
 * are coalesced: one write in flight, at most one every `minEditIntervalMs`, always the latest
 * state. Content past GitHub's body limit continues in a new comment, linked both ways.
 * Failures are logged and retried with backoff; they never reach the handler.
 */
export function createCommentWriter(options: CommentWriterOptions): CommentWriter {
  const { clock, log } = options;
  const header = options.redact(options.header);
  const state: WriterState = {
    sections: [],
    comments: [],
    version: 0,
    writtenVersion: 0,
    lastWriteAt: undefined,
    attempts: 0,
    gaveUp: false,
    pump: undefined,
  };
  const dirty = () => state.version !== state.writtenVersion;

  const start = (): Promise<void> => {
    state.pump ??= pump().finally(() => {
      state.pump = undefined;
    });
    return state.pump;
  };

  async function pump(): Promise<void> {
    while (dirty() && !state.gaveUp) {
      if (state.lastWriteAt !== undefined) {
        const wait = state.lastWriteAt + options.minEditIntervalMs - clock.now().getTime();
        if (wait > 0) await clock.sleep(wait);
      }
      const version = state.version;
      let failure: { error: unknown } | undefined;
      try {
        await options.queue.add(() => sync());
      } catch (error) {
        failure = { error };
      }
      state.lastWriteAt = clock.now().getTime();
      if (!failure) {
        state.writtenVersion = version;
        state.attempts = 0;
        continue;
      }
      const { error } = failure;
      state.attempts += 1;
      if (!isRetryableWriteError(error) || state.attempts >= options.retry.attempts) {
        state.gaveUp = true;
        log.error(
          { err: error, attempts: state.attempts, url: state.comments[0]?.url },
          'Could not write the GitHub comment; giving up until the next change',
        );
        return;
      }
      const delay = retryDelayMs(error, state.attempts, options.retry);
      log.warn(
        { err: error, attempt: state.attempts, retryInMs: delay },
        'Could not write the GitHub comment; retrying',
      );
      await clock.sleep(delay);
    }
  }

  /** Brings the comments on GitHub to the current sections: creates what is missing, edits what changed. */
  async function sync(): Promise<void> {
    const bodies = () =>
      composeComments(header, state.sections, (i) => state.comments[i]?.url).map((b) =>
        options.redact(b),
      );
    let wanted = bodies();
    for (let i = state.comments.length; i < wanted.length; i++) {
      const sent = wanted[i] ?? '';
      const posted = await createTargetComment(options.github, options.repo, options.target, sent);
      state.comments.push({ ...posted, sent });
      if (i === 0) log.debug({ url: posted.url }, 'created the GitHub comment');
      else log.info({ url: posted.url, part: i + 1 }, 'log continues in a new GitHub comment');
      // Its URL is in its neighbours' links now.
      wanted = bodies();
    }
    for (const [i, comment] of state.comments.entries()) {
      const next = wanted[i];
      if (next === undefined) break;
      if (next === comment.sent) continue;
      await updateTargetComment(options.github, options.repo, options.target, comment.id, next);
      comment.sent = next;
    }
  }

  return {
    add(section) {
      state.sections.push(options.redact(renderSection(section)));
      state.version += 1;
      // A change re-arms a writer that gave up (GitHub may be back).
      if (state.gaveUp) {
        state.gaveUp = false;
        state.attempts = 0;
      }
      void start();
    },
    url: () => state.comments[0]?.url,
    unwritten: () => state.writtenVersion < state.version,
    async flush() {
      try {
        await start();
      } catch (error) {
        log.error({ err: error }, 'GitHub comment flush failed');
      }
    },
  };
}
