import { QuickcdError } from '../../common/errors.js';
import { markSkipped } from '../../scheduler/event-state.js';
import type { Command } from '../command.js';
import { findEvent, openStore, storeOptions, storeUsage } from './operator-store.js';

export const skipCommand: Command = {
  name: 'skip',
  summary: 'mark an event skipped: it runs no more and releases its repository',
  usage: `Usage: quickcd skip <event-id> [options]

Marks the event skipped: its handlers do not run (again), and a blocking lane it held moves on to
the next event. A run in progress is left to finish; its result is recorded, the event stays
skipped. Undo with quickcd retry.

Options:
${storeUsage}`,
  options: storeOptions,
  positionals: true,
  async run({ flags, env, positionals, stdout }) {
    const store = openStore({ flags, env });
    const event = await findEvent(store, { flags, positionals }, 'skip');
    if (event.status === 'handled') {
      throw new QuickcdError('USAGE', `event ${event.id} is already handled: nothing to skip`, {
        eventId: event.id,
      });
    }
    const updated = await store.updateEvent(event.repo, event.id, markSkipped);
    stdout(`event ${updated.id} (${updated.repo}, ${updated.type}): skipped\n`);
    return 0;
  },
};
