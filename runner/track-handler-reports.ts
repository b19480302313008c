import { errorMessage } from '../common/errors.js';
import type { CommentLog, CommitState } from '../handlers/context.js';
import { fenced } from '../handlers/logging-shell.js';
import type { Reporter } from './reporter.js';

export interface HandlerFailure {
  readonly handler: string;
  readonly error: unknown;
  /** Timed out or stopped: statuses left pending become `error`, not `failure`. */
  readonly interrupted: boolean;
  /** `file:line:column` in the handler's code, when known. */
  readonly location?: string | undefined;
}

export interface HandlerReports {
  /** The reporter the handler's context uses: remembers the comments and statuses it made. */
  readonly reporter: Reporter;
  /**
   * Ends every comment the handler opened with a ❌ section naming it and the error, and sets
   * every commit status it left `pending` to `failure` (`error` when interrupted). What the
   * handler writes afterwards (a timed-out handler may still be running) is dropped: a late
   * `success` must not overwrite the failure.
   */
  reportFailure(failure: HandlerFailure): Promise<void>;
}

interface StatusSet {
  sha: string;
  context: string;
  state: CommitState;
  targetUrl?: string | undefined;
}

/** Wraps one handler run's reporter so a failure reaches every place the handler reported to. */
export function trackHandlerReports(reporter: Reporter): HandlerReports {
  const logs: CommentLog[] = [];
  const statuses = new Map<string, StatusSet>();
  let closed = false;
  return {
    reporter: {
      commentLog(target, handler) {
        const log = reporter.commentLog(target, handler);
        logs.push(log);
        return guarded(log, () => closed);
      },
      async setCommitStatus(status) {
        if (closed) return;
        statuses.set(`${status.sha}\n${status.context}`, {
          sha: status.sha,
          context: status.context,
          state: status.state,
          targetUrl: status.targetUrl,
        });
        await reporter.setCommitStatus(status);
      },
      getCommitStatus: (sha, context) => reporter.getCommitStatus(sha, context),
      flush: () => reporter.flush(),
    },

    async reportFailure(failure) {
      closed = true;
      const message = errorMessage(failure.error);
      for (const log of logs) log.markdown(failureSection(failure, message));
      const pending = [...statuses.values()].filter((s) => s.state === 'pending');
      if (pending.length === 0) return;
      const first = logs[0];
      if (first) await first.flush();
      const summary = firstLine(message);
      const description = failure.interrupted
        ? `${failure.handler}: ${summary}`
        : `${failure.handler} failed: ${summary}`;
      for (const status of pending) {
        const targetUrl = status.targetUrl ?? first?.url;
        await reporter.setCommitStatus({
          sha: status.sha,
          context: status.context,
          state: failure.interrupted ? 'error' : 'failure',
          description,
          ...(targetUrl === undefined ? {} : { targetUrl }),
        });
      }
    },
  };
}

/** A log that drops what is added once `isClosed()`. */
function guarded(log: CommentLog, isClosed: () => boolean): CommentLog {
  const add = (title: string, body?: string) => {
    if (!isClosed()) log(title, body);
  };
  return Object.defineProperties(add, {
    details: { value: (summary: string, body: string) => isClosed() || log.details(summary, body) },
    markdown: { value: (text: string) => isClosed() || log.markdown(text) },
    url: { get: () => log.url },
    flush: { value: () => log.flush() },
  }) as CommentLog;
}

function failureSection(failure: HandlerFailure, message: string): string {
  const [head = '', ...rest] = message.split('\n');
  const details = [...rest, ...(failure.location ? [`at ${failure.location}`] : [])]
    .join('\n')
    .trim();
  const title = `**❌ ${escapeMarkdown(failure.handler)} failed: ${escapeMarkdown(head)}**`;
  return details ? `${title}\n\n${fenced(details)}` : title;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]])/g, '\\$1');
}
