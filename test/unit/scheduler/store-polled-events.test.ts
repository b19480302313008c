import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { addHandler, createRegistry } from '../../../handlers/registry.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import { matchedHandlers } from '../../../scheduler/matched-handlers.js';
import { storePolledEvents } from '../../../scheduler/store-polled-events.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { createManualClock } from '../../support/manual-clock.js';

describe('storing polled events', () => {
  it('runs each filter once per event and stores the match, which the launch carries', async () => {
    const calls: string[] = [];
    const registry = createRegistry();
    const counted = (name: string, ok: boolean) => (_: unknown, e: { id: string }) => {
      calls.push(`${name} ${e.id}`);
      return ok;
    };
    addHandler(registry, 'PushEvent', () => {}, {
      name: 'deploy',
      filter: counted('deploy', true),
    });
    addHandler(registry, 'PushEvent', () => {}, {
      name: 'notify',
      blocking: false,
      filter: counted('notify', true),
    });
    addHandler(registry, 'PushEvent', () => {}, { name: 'never', filter: counted('never', false) });
    const store = createFileStore({ stateDir: tempDir(), log: pino({ level: 'silent' }) });
    const events = ['7', '8'].map((id) =>
      parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id })),
    );
    let wanted = 0;
    const result = await storePolledEvents(
      'acme/webapp',
      { events, late: new Set() },
      {
        store,
        registry,
        clock: createManualClock(),
        log: pino({ level: 'silent' }),
        onWanted: () => void wanted++,
      },
    );
    expect(result.stored).toBe(2);
    expect(wanted).toBe(2);
    expect(calls.sort()).toEqual([
      'deploy 7',
      'deploy 8',
      'never 7',
      'never 8',
      'notify 7',
      'notify 8',
    ]);
    const stored = await store.getEvent('7', 'acme/webapp');
    expect(Object.keys(stored?.handlers ?? {}).sort()).toEqual(['deploy', 'notify']);
    // What a launch hands the runner (--matched): no filter runs there.
    expect(matchedHandlers({ event: stored!, lane: 'blocking' })).toEqual(['deploy']);
    expect(matchedHandlers({ event: stored!, lane: 'nonblocking' })).toEqual(['notify']);
    expect(calls).toHaveLength(6);
  });
});
