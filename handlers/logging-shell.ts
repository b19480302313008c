import type { CommentLog } from './context.js';
import type { CommandResult, Shell, ShellHooks, ShellOptions } from './shell.js';
import { createShell } from './shell.js';

/**
 * A shell that adds each command and its output to `log` as a collapsible section: the
 * command in the summary (with ✅/❌ and the duration), stdout and stderr inside. A failing
 * command logs its exit code, stdout and stderr before the {@link CommandError} is thrown.
 */
export function createLoggingShell(
  log: CommentLog,
  defaults: ShellOptions,
  hooks: ShellHooks,
): Shell {
  return createShell(defaults, {
    ...hooks,
    onEnd: async (result) => {
      log.details(summaryOf(result), bodyOf(result));
      await hooks.onEnd?.(result);
    },
  });
}

function summaryOf(r: CommandResult): string {
  const ok = r.exitCode === 0 && !r.outputTooLarge;
  const seconds = (r.durationMs / 1000).toFixed(1);
  const status = ok
    ? ''
    : r.outputTooLarge && r.exitCode === 0
      ? ' (stdout too large to return)'
      : r.timedOut
        ? ' (timed out)'
        : r.exitCode === null
          ? ` (killed by ${r.signal ?? 'signal'})`
          : ` (exit code ${r.exitCode})`;
  return `${ok ? '✅' : '❌'} <code>${escapeHtml(oneLine(r.command))}</code>${status} · ${seconds}s`;
}

function bodyOf(r: CommandResult): string {
  const parts: string[] = [];
  parts.push(fenced(`$ ${r.command}\n${r.stdout}`.trimEnd()));
  if (r.stderr.trim()) parts.push(`stderr:\n\n${fenced(r.stderr.trimEnd())}`);
  if (r.exitCode !== 0) {
    parts.push(r.timedOut ? '**Timed out.**' : `**Exit code:** ${String(r.exitCode ?? r.signal)}`);
  }
  return parts.join('\n\n');
}

/** A code fence longer than any run of backticks inside, so output cannot close it. */
export function fenced(text: string, info = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${info}\n${text}\n${fence}`;
}

function oneLine(command: string): string {
  const first = command.trim().split('\n')[0] ?? '';
  const short = first.length > 120 ? `${first.slice(0, 117)}…` : first;
  return command.trim().includes('\n') ? `${short} …` : short;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
