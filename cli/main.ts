import { isQuickcdError } from '../common/errors.js';
import type { Redact } from '../common/redact.js';
import type { Command, CommandIO } from './command.js';
import { commands } from './commands/index.js';
import { parseCommandArgs } from './parse-command-args.js';

const EXIT_BAD_INPUT = 2;
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

/** Runs `quickcd <command> …`; resolves with the exit status. */
export async function main(
  argv: readonly string[],
  io: CommandIO = {
    env: process.env,
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
  },
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const entry = topic === undefined ? undefined : commands.find((c) => c.name === topic);
    io.stdout(entry ? commandHelp(await entry.load()) : overview());
    return name === undefined ? EXIT_BAD_INPUT : 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${await version()}\n`);
    return 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`quickcd: unknown command "${name}"\n\n${overview()}`);
    return EXIT_BAD_INPUT;
  }
  const command = await entry.load();
  try {
    const { flags, positionals } = parseCommandArgs(command, rest);
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

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'quickcd: pull-based CD for Kubernetes — GitHub event handlers in TypeScript.',
    '',
    'Usage: quickcd <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `quickcd <command> --help` for a command, `quickcd config` for every setting.',
    '',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return `${command.usage.trim()}\n`;
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}
