import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../handlers/registry.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import type { EventSource } from '../../../scheduler/ports/event-source.js';
import { createReadiness } from '../../../scheduler/readiness.js';
import { createRepoPoller, POLL_CONCURRENCY } from '../../../scheduler/repo-poller.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/fixtures.js';
import { createManualClock } from '../../support/manual-clock.js';

const REPOS = Array.from({ length: 30 }, (_, i) => `fleet/app${i}`);

describe('repository poller', () => {
  it('polls due repositories several at a time: a slow one does not hold up the others', async () => {
    let inFlight = 0;
    let most = 0;
    const polled: string[] = [];
    let release = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const source: EventSource = {
      async poll(repo) {
        inFlight++;
        most = Math.max(most, inFlight);
        // Each poll waits a turn of the event loop, as a request does; app0 waits for the test.
        await (repo === 'fleet/app0' ? slow : new Promise((r) => setImmediate(r)));
        inFlight--;
        polled.push(repo);
        return {
          events: [],
          late: new Set(),
          cursor: { pageEtags: {}, seen: [] },
          nextPollSeconds: 60,
        };
      },
    };
    const clock = createManualClock();
    const poller = createRepoPoller({
      repos: REPOS,
      source,
      store: createFileStore({ stateDir: tempDir() }),
      registry: createRegistry(),
      config: { pollInterval: 60 },
      log: pino({ level: 'silent' }),
      clock,
      readiness: createReadiness(),
      observer: {},
      clusterId: 'test',
      onWanted: () => {},
    });
    let done = false;
    const pass = poller.pollDue(new AbortController().signal).then(() => (done = true));
    await eventually(() => polled.length === REPOS.length - 1, 'every other repository polled');
    expect(polled).not.toContain('fleet/app0');
    expect(done).toBe(false);
    // Several at once (one at a time would be 1), never more than the limit.
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(POLL_CONCURRENCY);
    release();
    await pass;
    expect(polled.at(-1)).toBe('fleet/app0');
    // Every repository polled once, and each is next due after the interval it was given.
    expect(new Set(polled).size).toBe(REPOS.length);
    expect(poller.nextDueAt()).toBe(clock.now().getTime() + 60_000);
  });
});
