import { skipEvent } from '../../scheduler/operator-actions.js';
import type { Command } from '../command.js';
import { eventIdArgument, openStore, storeOptions, storeUsage } from './operator-store.js';

export const skipCommand: Command = {
  name: 'skip',
  usage: `Usage: quickcd skip <event-id> [options]

Marks the event skipped: its handlers do not run (again), and a blocking lane it held moves on to
the next event. A run in progress is left to finish; its result is recorded, the event stays
skipped. Undo with quickcd retry.

Options:
${storeUsage}`,
  options: storeOptions,
  positionals: true,
  async run({ flags, env, positionals, stdout }) {
    const id = eventIdArgument(positionals, 'skip');
    const store = await openStore({ flags, env });
    const repo = typeof flags.repo === 'string' ? flags.repo : undefined;
    const updated = await skipEvent(store, id, repo);
    stdout(`event ${updated.id} (${updated.repo}, ${updated.type}): skipped\n`);
    return 0;
  },
};
