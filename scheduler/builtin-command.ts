import type { GitHubEvent } from '../handlers/event.js';
import { DEFAULT_TRUSTED_ASSOCIATIONS, isTrustedAuthor } from '../handlers/trusted-authors.js';

export interface BuiltinCommand {
  readonly name: 'skip' | 'retry';
  /** The event it acts on (an event of the same repository). */
  readonly eventId: string;
  /** `/quickcd retry <id> force`: retry even if it breaks the lane's event-id order. */
  readonly force: boolean;
  readonly login: string;
  /** Whether the author's association is a trusted one: only then is the command obeyed. */
  readonly trusted: boolean;
  /** Where to answer. */
  readonly target: { kind: 'commit'; sha: string } | { kind: 'issue'; number: number };
}

const DEFAULT_TRUSTED: ReadonlySet<string> = new Set(DEFAULT_TRUSTED_ASSOCIATIONS);

interface CommentPayload {
  action?: string;
  comment?: {
    body?: unknown;
    author_association?: unknown;
    user?: { login?: unknown };
    commit_id?: unknown;
  };
  issue?: { number?: unknown };
}

/** The event types a built-in command comes in: always wanted, whatever the handlers. */
export const BUILTIN_COMMAND_TYPES: ReadonlySet<string> = new Set([
  'IssueCommentEvent',
  'CommitCommentEvent',
]);

/**
 * `/quickcd skip <event-id>` or `/quickcd retry <event-id> [force]` as the first line of a new commit,
 * issue or pull request comment: the scheduler's own chat-ops, the GitHub twins of
 * `quickcd skip|retry`. Other `/quickcd …` commands are left to the handlers. `trusted`: the
 * `author_association` values obeyed (`QUICKCD_TRUSTED_ASSOCIATIONS`), matched exactly.
 */
export function parseBuiltinCommand(
  event: GitHubEvent,
  trusted: ReadonlySet<string> = DEFAULT_TRUSTED,
): BuiltinCommand | undefined {
  if (!BUILTIN_COMMAND_TYPES.has(event.type)) return undefined;
  const payload = event.payload as CommentPayload;
  if (event.type === 'IssueCommentEvent' && payload.action !== 'created') return undefined;
  const body = typeof payload.comment?.body === 'string' ? payload.comment.body : '';
  const match = /^\s*\/quickcd\s+(?:(skip)|(retry))\s+(\d+)(\s+force)?\s*$/.exec(
    body.split('\n')[0] ?? '',
  );
  if (!match) return undefined;
  const target =
    event.type === 'CommitCommentEvent'
      ? typeof payload.comment?.commit_id === 'string'
        ? { kind: 'commit' as const, sha: payload.comment.commit_id }
        : undefined
      : typeof payload.issue?.number === 'number'
        ? { kind: 'issue' as const, number: payload.issue.number }
        : undefined;
  if (!target) return undefined;
  if (match[1] && match[4]) return undefined; // `force` is for retry only
  return {
    name: match[1] ? 'skip' : 'retry',
    eventId: match[3]!,
    force: match[4] !== undefined,
    login: typeof payload.comment?.user?.login === 'string' ? payload.comment.user.login : '?',
    trusted: isTrustedAuthor(payload.comment?.author_association, trusted),
    target,
  };
}
