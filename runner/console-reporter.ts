import type { CommitStatus } from '../handlers/context.js';
import { commentHeader, renderSection } from './comment-sections.js';
import { composeComments } from './compose-comments.js';
import { createCommentLog } from './create-comment-log.js';
import type { CommentTarget, Reporter } from './reporter.js';

export interface ConsoleReporterOptions {
  readonly clusterId: string;
  /** Where the Markdown goes (already redacted by the caller's writer). */
  readonly write: (text: string) => void;
}

interface PendingLog {
  readonly target: CommentTarget;
  readonly header: string;
  readonly sections: string[];
  printed: number;
}

/**
 * The dry-run reporter: prints each comment exactly as it would be posted on GitHub — split
 * into comments within GitHub's limit and elided as there — once the handler is done (at
 * `flush`), between `┌─ comment … on …` and `└─` lines; statuses as one line each, as they
 * are set. Remembers statuses so that `getCommitStatus` answers what `setCommitStatus` set.
 */
export function createConsoleReporter(options: ConsoleReporterOptions): Reporter {
  const statuses = new Map<string, CommitStatus>();
  const logs: PendingLog[] = [];
  const describe = (t: CommentTarget) =>
    t.kind === 'commit' ? `commit ${t.sha.slice(0, 12)}` : `pull request #${t.number}`;
  return {
    commentLog(target, handler) {
      const log: PendingLog = {
        target,
        header: commentHeader(options.clusterId, handler),
        sections: [],
        printed: 0,
      };
      logs.push(log);
      return createCommentLog({
        add: (section) => void log.sections.push(renderSection(section)),
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
    async flush() {
      for (const log of logs) {
        if (log.sections.length === log.printed) continue;
        log.printed = log.sections.length;
        // Links name the neighbours as on GitHub, where they would be URLs.
        const n = composeComments(log.header, log.sections, () => undefined).length;
        const bodies = composeComments(log.header, log.sections, (i) => `comment ${i + 1} of ${n}`);
        for (const [i, body] of bodies.entries()) {
          const which = n > 1 ? `comment ${i + 1} of ${n}` : 'comment';
          options.write(`\n┌─ ${which} on ${describe(log.target)}\n${body}\n└─\n`);
        }
      }
    },
  };
}
