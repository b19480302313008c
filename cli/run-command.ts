import { isQuickcdError } from '../common/errors.js';
import type { Redact } from '../common/redact.js';
import type { Command, CommandIO } from './command.js';
import { parseCommandArgs } from './parse-command-args.js';

export const EXIT_BAD_INPUT = 2;
const BAD_INPUT = new Set([
  'CONFIG_INVALID',
  'USAGE',
  'EVENTS_FILE_INVALID',
  'EVENT_INVALID',
  'HANDLERS_LOAD_FAILED',
  'HANDLER_INVALID',
  'EVENT_NOT_FOUND',
  'STATE_DIR_NOT_FOUND',
  'LANE_ORDER',
  'GITHUB_ACCESS_DENIED',
  'CLUSTER_UNREACHABLE',
]);

/** The standard process I/O of a command. */
export function processIO(): CommandIO {
  return {
    env: process.env,
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
  };
}

/**
 * Runs one command on its arguments (what follows `quickcd <name>`): `--help`, bad arguments and
 * errors reported as every command reports them. Resolves with the exit status.
 */
export async function invokeCommand(
  command: Command,
  args: readonly string[],
  io: CommandIO,
): Promise<number> {
  try {
    const { flags, positionals } = parseCommandArgs(command, args);
    if (flags.help === true) {
      io.stdout(commandHelp(command));
      return 0;
    }
    return await command.run({ ...io, flags, positionals });
  } catch (error) {
    // Last words are redacted too: the credentials of any URL, and every secret configured.
    const { redactError } = await import('../common/redact-error.js');
    return report(redactError(error, await lastWordsRedactor(io.env)), command, io);
  }
}

export function commandHelp(command: Command): string {
  return `${command.usage.trim()}\n`;
}

/** Loaded on the error path only: configuration and redaction are not needed to start. */
async function lastWordsRedactor(env: CommandIO['env']): Promise<Redact> {
  const [{ loadConfig }, { createRedactor }, { runnerSecrets }] = await Promise.all([
    import('../common/config.js'),
    import('../common/redact.js'),
    import('../runner/runner-secrets.js'),
  ]);
  try {
    return createRedactor(runnerSecrets(loadConfig(env), env));
  } catch {
    return createRedactor([]);
  }
}

function report(error: unknown, command: Command, io: CommandIO): number {
  if (isQuickcdError(error, 'ARGS_INVALID')) {
    io.stderr(`quickcd ${command.name}: ${error.message}\n\n${commandHelp(command)}`);
    return EXIT_BAD_INPUT;
  }
  if (isQuickcdError(error)) {
    io.stderr(`quickcd ${command.name}: ${error.message}\n`);
    return BAD_INPUT.has(error.code) ? EXIT_BAD_INPUT : 1;
  }
  io.stderr(
    `quickcd ${command.name}: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`,
  );
  return 1;
}
