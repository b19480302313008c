import { parseArgs } from 'node:util';
import { QuickcdError } from '../common/errors.js';
import type { Command, CommandInput } from './command.js';

/**
 * The flags and positionals of `quickcd <command> …`, checked against the command's options
 * with quickcd's own messages (Node's strict parseArgs errors come with hints about `--` that
 * do not apply to quickcd). Every problem is an `ARGS_INVALID` error naming the option or argument.
 */
export function parseCommandArgs(
  command: Pick<Command, 'options' | 'positionals'>,
  args: readonly string[],
): Pick<CommandInput, 'flags' | 'positionals'> {
  const { tokens } = parseArgs({
    args: [...args],
    options: command.options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      if (!command.positionals) {
        throw new QuickcdError('ARGS_INVALID', `unexpected argument "${token.value}"`);
      }
      positionals.push(token.value);
      continue;
    }
    const option = command.options[token.name];
    if (!option) throw new QuickcdError('ARGS_INVALID', `unknown option ${token.rawName}`);
    const shown = option.short === token.rawName.slice(1) ? token.rawName : `--${token.name}`;
    if (option.type === 'boolean') {
      if (token.value !== undefined) {
        throw new QuickcdError('ARGS_INVALID', `${shown} takes no value, got "${token.value}"`);
      }
      flags[token.name] = true;
      continue;
    }
    if (token.value === undefined) {
      throw new QuickcdError('ARGS_INVALID', `${shown} needs a value`);
    }
    flags[token.name] = token.value;
  }
  return { flags, positionals };
}
