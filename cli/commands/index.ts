import type { Command } from '../command.js';
import { configCommand } from './config.js';
import { runCommand } from './run.js';
import { runnerCommand } from './runner.js';

/** Every `quickcd` subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [runCommand, runnerCommand, configCommand];
