import { retryEvent } from '../../scheduler/operator-actions.js';
import type { Command } from '../command.js';
import { eventIdArgument, openStore, storeOptions, storeUsage } from './operator-store.js';

export const retryCommand: Command = {
  name: 'retry',
  summary: 'run a failed (or skipped) event again now',
  usage: `Usage: quickcd retry <event-id> [options]

Cuts the backoff of a failed event short (or brings back a skipped one): the scheduler runs its
handlers that are not yet complete at once. Completed handlers do not run again.

Options:
${storeUsage}`,
  options: storeOptions,
  positionals: true,
  async run({ flags, env, positionals, stdout }) {
    const id = eventIdArgument(positionals, 'retry');
    const store = openStore({ flags, env });
    const repo = typeof flags.repo === 'string' ? flags.repo : undefined;
    const updated = await retryEvent(store, id, new Date(), repo);
    stdout(`event ${updated.id} (${updated.repo}, ${updated.type}): ${updated.status}, runs now\n`);
    return 0;
  },
};
