import type { Logger } from '../common/logger.js';
import type { GitHubEvent } from '../handlers/event.js';
import { applyBuiltinCommand, type Respond } from './apply-builtin-command.js';
import { parseBuiltinCommand } from './builtin-command.js';
import type { Clock } from '../common/clock.js';
import type { EventStore } from './ports/event-store.js';
import type { SchedulerObserver } from './scheduler-observer.js';

/**
 * Obeys the `/quickcd skip|retry` comments among a poll's events of `repo`, in order. Called
 * before the cursor moves past them: a crash repeats a command (skip and retry are idempotent)
 * rather than losing it.
 */
export async function applyChatOps(
  repo: string,
  events: readonly GitHubEvent[],
  deps: {
    readonly store: EventStore;
    readonly clock: Clock;
    readonly log: Logger;
    readonly clusterId: string;
    readonly observer: SchedulerObserver;
    readonly respond?: Respond | undefined;
    /** `QUICKCD_TRUSTED_ASSOCIATIONS`; default OWNER, MEMBER and COLLABORATOR. */
    readonly trusted?: ReadonlySet<string> | undefined;
  },
): Promise<void> {
  for (const event of events) {
    const command = parseBuiltinCommand(event, deps.trusted);
    if (!command) continue;
    await applyBuiltinCommand(command, repo, {
      store: deps.store,
      now: deps.clock.now(),
      log: deps.log,
      clusterId: deps.clusterId,
      observer: deps.observer,
      ...(deps.respond ? { respond: deps.respond } : {}),
    });
  }
}
