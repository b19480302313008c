import { isQuickcdError, type QuickcdErrorCode } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { BuiltinCommand } from './builtin-command.js';
import { retryEvent, skipEvent } from './operator-actions.js';
import type { EventStore } from './ports/event-store.js';
import type { SchedulerObserver } from './scheduler-observer.js';

/** Errors that are answers (the command was understood and refused), not failures. */
const REFUSALS: ReadonlySet<QuickcdErrorCode> = new Set(['USAGE', 'EVENT_NOT_FOUND', 'LANE_ORDER']);

/** Posts quickcd's answer to a `/quickcd` comment, on the same commit or issue. */
export type Respond = (
  repo: string,
  target: BuiltinCommand['target'],
  body: string,
) => Promise<void>;

/**
 * Obeys `/quickcd skip <id>` and `/quickcd retry <id> [force]` from an author with write access and answers on GitHub;
 * commands from anyone else are logged and ignored (no answer: no amplification of spam).
 */
export async function applyBuiltinCommand(
  command: BuiltinCommand,
  repo: string,
  deps: {
    store: EventStore;
    now: Date;
    log: Logger;
    clusterId: string;
    respond?: Respond;
    observer?: SchedulerObserver;
  },
): Promise<void> {
  const log = deps.log.child({
    repo,
    command: command.name,
    eventId: command.eventId,
    by: command.login,
  });
  if (!command.trusted) {
    log.warn('ignored a /quickcd command from an author without write access');
    return;
  }
  let answer: string;
  try {
    if (command.name === 'skip') {
      const event = await skipEvent(deps.store, command.eventId, repo);
      deps.observer?.skipped?.({ repo, eventId: event.id, by: command.login });
      answer = `event ${event.id} (${event.type}) is skipped; the events after it go on.`;
    } else {
      const { event, ranAfter } = await retryEvent(deps.store, command.eventId, deps.now, {
        repo,
        force: command.force,
      });
      answer = ranAfter
        ? `event ${event.id} (${event.type}) runs again now, after newer event ${ranAfter.id} (${ranAfter.type}) which already ran: forced out of event-id order.`
        : `event ${event.id} (${event.type}) runs again now.`;
    }
    log.info('obeyed a /quickcd command');
  } catch (error) {
    if (!isQuickcdError(error) || !REFUSALS.has(error.code)) throw error;
    answer = `cannot ${command.name}: ${error.message.replace(/: see quickcd events$/, '')}.`;
    if (error.code === 'LANE_ORDER') {
      answer += ` To run it anyway, comment \`/quickcd retry ${command.eventId} force\`.`;
    }
    log.info({ answer }, 'refused a /quickcd command');
  }
  await deps
    .respond?.(repo, command.target, `**${deps.clusterId}**: @${command.login} ${answer}`)
    .catch((error: unknown) => log.warn({ err: error }, 'answering on GitHub failed'));
}
