import type { Command } from '../command.js';
import { configCommand } from './config.js';
import { eventsCommand } from './events.js';
import { logsCommand } from './logs.js';
import { retryCommand } from './retry.js';
import { runCommand } from './run.js';
import { runnerCommand } from './runner.js';
import { schedulerCommand } from './scheduler.js';
import { skipCommand } from './skip.js';

/** Every `quickcd` subcommand, in the order `--help` lists them. */
export const commands: readonly Command[] = [
  runCommand,
  schedulerCommand,
  eventsCommand,
  retryCommand,
  skipCommand,
  logsCommand,
  runnerCommand,
  configCommand,
];
