import type { CommandIO } from './command.js';
import { commands } from './commands/index.js';
import { EXIT_BAD_INPUT, commandHelp, processIO, invokeCommand } from './run-command.js';

export { exitWhenWritten } from './exit-when-written.js';

/** Runs `quickcd <command> …`; resolves with the exit status. */
export async function main(argv: readonly string[], io: CommandIO = processIO()): Promise<number> {
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
  return invokeCommand(await entry.load(), rest, io);
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

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}
