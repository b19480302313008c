import { QuickcdError, isQuickcdError } from '../../common/errors.js';
import { retryEvent } from '../../scheduler/operator-actions.js';
import type { Command } from '../command.js';
import { eventIdArgument, openStore, storeOptions, storeUsage } from './operator-store.js';

export const retryCommand: Command = {
  name: 'retry',
  usage: `Usage: quickcd retry <event-id> [options]

Cuts the backoff of a failed event short (or brings back a skipped one): the scheduler runs its
handlers that are not yet complete at once. Completed handlers do not run again.
A skipped blocking event whose repository's lane has moved on (a newer event already ran) is
refused, naming that event: it would run out of event-id order. --force runs it anyway.

Options:
  --force               retry a skipped event even after newer events ran
${storeUsage}

Exit status: 0 retried, 2 refused or bad input.`,
  options: { ...storeOptions, force: { type: 'boolean' } },
  positionals: true,
  async run({ flags, env, positionals, stdout }) {
    const id = eventIdArgument(positionals, 'retry');
    const store = await openStore({ flags, env });
    const repo = typeof flags.repo === 'string' ? flags.repo : undefined;
    try {
      const { event, ranAfter } = await retryEvent(store, id, new Date(), {
        repo,
        force: flags.force === true,
      });
      stdout(
        `event ${event.id} (${event.repo}, ${event.type}): ${event.status}, runs now` +
          (ranAfter
            ? `, after newer event ${ranAfter.id} (${ranAfter.type}) which already ran (--force: out of event-id order)`
            : '') +
          '\n',
      );
      return 0;
    } catch (error) {
      if (isQuickcdError(error, 'LANE_ORDER')) {
        throw new QuickcdError(
          'LANE_ORDER',
          `${error.message}. Pass --force to run it anyway.`,
          error.context,
        );
      }
      throw error;
    }
  },
};
