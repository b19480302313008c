import type { ParseArgsConfig } from 'node:util';
import type { Env } from '../common/config.js';

export interface CommandIO {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

export interface CommandInput extends CommandIO {
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** One `quickcd <name>` subcommand. `run` resolves with the exit status. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly positionals?: boolean;
  run(input: CommandInput): Promise<number>;
}

/** Options every command that reads configuration accepts. */
export const commonOptions = {
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
