/**
 * Chat-ops: `/quickcd <command>` in a commit or pull request comment. Only trusted authors (an
 * author_association in TRUSTED_AUTHOR_ASSOCIATIONS: QUICKCD_TRUSTED_ASSOCIATIONS, by default
 * OWNER, MEMBER or COLLABORATOR: write access) may command; the answer is a
 * comment on the same commit or pull request. Non-blocking: a command never waits for a
 * deployment and never holds one up.
 */
import { isTrustedAuthor, on, type Comment, type HandlerContext } from 'quickcd';

function parseCommand(body: string): { name: string; args: string[] } | undefined {
  const line = body.trim().split('\n')[0] ?? '';
  const match = /^\/quickcd\s+(\S+)(.*)$/.exec(line);
  if (!match) return undefined;
  return { name: match[1] ?? '', args: (match[2] ?? '').trim().split(/\s+/).filter(Boolean) };
}

async function quickCommand(
  comment: Comment,
  log: ReturnType<HandlerContext['commitLogger']>,
  ctx: HandlerContext,
): Promise<void> {
  const command = parseCommand(comment.body);
  if (!command) return;
  if (!isTrustedAuthor(comment.author_association)) {
    log(
      'Ignored',
      `@${comment.user.login} may not run quickcd commands (${comment.author_association}).`,
    );
    return;
  }
  const sh = ctx.loggingShell(log);
  switch (command.name) {
    case 'help':
      log(
        'Commands',
        '/quickcd help\n/quickcd echo <words>\n/quickcd status\n' +
          '/quickcd skip <event-id>, /quickcd retry <event-id> [force] (built into the scheduler)',
      );
      return;
    case 'skip':
    case 'retry':
      return; // the scheduler's own commands: it answers them
    case 'echo':
      await sh`echo ${command.args}`;
      return;
    case 'status':
      await sh`date -u`;
      return;
    default:
      log('Unknown command', `"${command.name}": try /quickcd help`);
      throw new Error(`unknown command "${command.name}"`);
  }
}

const isCommand = (body: string) => body.trimStart().startsWith('/quickcd ');

on(
  'CommitCommentEvent',
  async function commitCommand(payload, ctx) {
    const log = ctx.commitLogger(payload.comment.commit_id);
    await quickCommand(payload.comment, log, ctx);
  },
  { blocking: false, filter: (p) => isCommand(p.comment.body) },
);

on(
  'IssueCommentEvent',
  async function pullRequestCommand(payload, ctx) {
    const log = ctx.prLogger(payload.issue.number);
    await quickCommand(payload.comment, log, ctx);
  },
  {
    blocking: false,
    filter: (p) =>
      p.action === 'created' && p.issue.pull_request !== undefined && isCommand(p.comment.body),
  },
);
