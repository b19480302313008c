import { QuickcdError } from '../../common/errors.js';
import { retryNow } from '../../scheduler/event-state.js';
import type { Command } from '../command.js';
import { findEvent, openStore, storeOptions, storeUsage } from './operator-store.js';

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
    const store = openStore({ flags, env });
    const event = await findEvent(store, { flags, positionals }, 'retry');
    if (event.status === 'handled' || event.status === 'running' || event.status === 'pending') {
      throw new QuickcdError(
        'USAGE',
        `event ${event.id} is ${event.status}: only failed or skipped events can be retried`,
        { eventId: event.id },
      );
    }
    const now = new Date();
    const updated = await store.updateEvent(event.repo, event.id, (e) => retryNow(e, now));
    stdout(`event ${updated.id} (${updated.repo}, ${updated.type}): ${updated.status}, runs now\n`);
    return 0;
  },
};
