import type { CommitStatus } from '../handlers/context.js';
import { commentHeader, renderSection } from './comment-sections.js';
import { createCommentLog } from './create-comment-log.js';
import type { CommentTarget, Reporter } from './reporter.js';

export interface ConsoleReporterOptions {
  readonly clusterId: string;
  /** Where the Markdown goes (already redacted by the caller's writer). */
  readonly write: (text: string) => void;
}

/**
 * The dry-run reporter: prints each comment's Markdown as it would appear on GitHub, section
 * by section as the handler logs, and statuses as one line each. Remembers statuses so that
 * `getCommitStatus` answers what `setCommitStatus` set.
 */
export function createConsoleReporter(options: ConsoleReporterOptions): Reporter {
  const statuses = new Map<string, CommitStatus>();
  const describe = (t: CommentTarget) =>
    t.kind === 'commit' ? `commit ${t.sha.slice(0, 12)}` : `pull request #${t.number}`;
  return {
    commentLog(target, handler) {
      let started = false;
      return createCommentLog({
        add(section) {
          if (!started) {
            started = true;
            options.write(
              `\n┌─ comment on ${describe(target)}\n${commentHeader(options.clusterId, handler)}\n`,
            );
          }
          options.write(`\n${renderSection(section)}\n`);
        },
        url: () => undefined,
        flush: async () => {},
      });
    },
    async setCommitStatus({ sha, state, description, targetUrl, context }) {
      statuses.set(`${sha}\n${context}`, {
        state,
        description: description ?? null,
        targetUrl: targetUrl ?? null,
        context,
      });
      const extra = [description, targetUrl].filter(Boolean).join(' · ');
      options.write(
        `\n● status ${state} [${context}] on ${sha.slice(0, 12)}${extra ? `: ${extra}` : ''}\n`,
      );
    },
    async getCommitStatus(sha, context) {
      return statuses.get(`${sha}\n${context}`);
    },
    async flush() {},
  };
}
