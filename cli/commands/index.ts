import type { Command } from '../command.js';

/** A `quickcd` subcommand as `--help` lists it; its module loads only when it runs. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

/**
 * Every `quickcd` subcommand, in the order `--help` lists them. Each command's code (and what it
 * imports: the Kubernetes client, Octokit, esbuild…) loads only when that command runs, so
 * `quickcd runner`, started once per event, pays for nothing else.
 */
export const commands: readonly CommandEntry[] = [
  {
    name: 'run',
    summary: 'run handlers on events from a JSON file, locally (no cluster)',
    load: async () => (await import('./run.js')).runCommand,
  },
  {
    name: 'scheduler',
    summary: 'poll GitHub, store events, run one handler Job (or local runner) per event',
    load: async () => (await import('./scheduler.js')).schedulerCommand,
  },
  {
    name: 'events',
    summary: 'list stored events: status, attempts, next run, handlers',
    load: async () => (await import('./events.js')).eventsCommand,
  },
  {
    name: 'retry',
    summary: 'run a failed (or skipped) event again now',
    load: async () => (await import('./retry.js')).retryCommand,
  },
  {
    name: 'skip',
    summary: 'mark an event skipped: it runs no more and releases its repository',
    load: async () => (await import('./skip.js')).skipCommand,
  },
  {
    name: 'logs',
    summary: "print the logs of an event's handler Jobs",
    load: async () => (await import('./logs.js')).logsCommand,
  },
  {
    name: 'runner',
    summary: 'run the handlers of one event (what a handler Job runs)',
    load: async () => (await import('./runner.js')).runnerCommand,
  },
  {
    name: 'config',
    summary: 'list every setting: variables, flag, default, effective value and its source',
    load: async () => (await import('./config.js')).configCommand,
  },
];
