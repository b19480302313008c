import type { Logger } from '../common/logger.js';
import type { GitHubEvent } from '../handlers/event.js';
import { payloadProblems } from '../handlers/payload-problems.js';
import { matchHandlers, type Registry } from '../handlers/registry.js';
import type { Clock } from '../common/clock.js';
import { newInvalidStoredEvent, newStoredEvent } from './event-state.js';
import type { EventStore } from './ports/event-store.js';
import type { PollResult } from './ports/event-source.js';
import { eachLimited } from './each-limited.js';

/** Events of one poll stored at once (a full window is 300 ConfigMaps to create). */
const STORE_CONCURRENCY = 8;

export interface StoredPoll {
  /** Events newly written to the store. */
  readonly stored: number;
  /** The events of the polled repository (another repository's are dropped). */
  readonly own: readonly GitHubEvent[];
}

/**
 * Stores each event of a poll of `repo` that some handler wants, with the handlers it matched
 * (so they are matched once, here); one whose payload breaks its typings is stored as failed
 * and never runs. `onWanted` is told of each event stored (or stored already): dispatch is due.
 */
export async function storePolledEvents(
  repo: string,
  result: Pick<PollResult, 'events' | 'late'>,
  deps: {
    readonly store: EventStore;
    readonly registry: Registry;
    readonly clock: Clock;
    readonly log: Logger;
    readonly onWanted: () => void;
  },
): Promise<StoredPoll> {
  const { store, registry, clock, log } = deps;
  let stored = 0;
  const own: GitHubEvent[] = [];
  const writes: (() => Promise<void>)[] = [];
  for (const event of result.events) {
    // A feed can name another repository (a transferred or renamed one, a faulty source):
    // its events are not this repository's, whatever the handlers would say.
    if (event.repo.name.toLowerCase() !== repo.toLowerCase()) {
      log.warn(
        { eventId: event.id, type: event.type, eventRepo: event.repo.name, polledRepo: repo },
        `ignored event ${event.id}: it is of ${event.repo.name}, not of the polled ${repo}`,
      );
      continue;
    }
    own.push(event);
    const late = result.late.has(event.id);
    const problems = payloadProblems(event);
    if (problems.length > 0) {
      // Its filters would run on what the typings say cannot be: recorded, never run.
      const typed = registry.handlers.filter((h) => h.type === event.type);
      if (typed.length === 0) continue;
      const problem = `malformed ${event.type} payload: ${problems.join('; ')}`;
      writes.push(async () => {
        const created = await store.putEvent(
          newInvalidStoredEvent(event, typed, clock.now(), problem, late),
        );
        if (created) stored++;
        log.error(
          { eventId: event.id, type: event.type, handlers: typed.map((h) => h.name), problem },
          'stored a malformed event as failed: its handlers do not run',
        );
      });
      continue;
    }
    const match = matchHandlers(registry, event);
    for (const f of match.filterErrors) {
      log.warn(
        { eventId: event.id, type: event.type, handler: f.handler, err: f.error },
        `filter of ${f.handler} threw on event ${event.id}: counted as no match`,
      );
    }
    if (match.handlers.length === 0) continue;
    writes.push(async () => {
      const created = await store.putEvent(
        newStoredEvent(event, match.handlers, clock.now(), late),
      );
      if (created) stored++;
      deps.onWanted();
      log.info(
        {
          eventId: event.id,
          type: event.type,
          handlers: match.handlers.map((h) => h.name),
          ...(late ? { late } : {}),
        },
        created ? 'stored event' : 'event already stored',
      );
    });
  }
  // Several at a time: a full window of 300 is one round trip per event on the API server.
  // The caller writes the cursor only once every write has succeeded.
  await eachLimited(writes, STORE_CONCURRENCY, (write) => write());
  return { stored, own };
}
