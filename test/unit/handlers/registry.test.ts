import { describe, expect, it } from 'vitest';
import { isQuickcdError } from '../../../common/errors.js';
import { parseEvent } from '../../../handlers/event.js';
import { addHandler, createRegistry, matchHandlers } from '../../../handlers/registry.js';

const push = (ref: string, id = '45000000001') =>
  parseEvent({
    id,
    type: 'PushEvent',
    actor: { id: 1, login: 'mona' },
    repo: { id: 2, name: 'acme/webapp' },
    payload: { ref, head: 'a'.repeat(40), before: 'b'.repeat(40), push_id: 1, repository_id: 2 },
    created_at: '2026-11-20T09:00:00Z',
  });

describe('registry', () => {
  it('names handlers after options.name, the function, or <type>#<n>', () => {
    const r = createRegistry();
    addHandler(r, 'PushEvent', async function deploy() {}, {});
    addHandler(r, 'PushEvent', async () => {}, { name: 'notify' });
    addHandler(r, 'PushEvent', async () => {});
    expect(r.handlers.map((h) => h.name)).toEqual(['deploy', 'notify', 'PushEvent#3']);
  });

  it('refuses duplicate names, bad types and bad options with a message naming the problem', () => {
    const r = createRegistry();
    addHandler(r, 'PushEvent', async () => {}, { name: 'x' });
    const attempts = [
      () => addHandler(r, 'PushEvent', async () => {}, { name: 'x' }),
      () => addHandler(r, 'push', async () => {}),
      () => addHandler(r, 'PushEvent', 'nope' as never),
      () => addHandler(r, 'PushEvent', async () => {}, { timeoutSeconds: -1 }),
      () => addHandler(r, 'PushEvent', async () => {}, { blocking: 'yes' as never }),
    ];
    const messages = attempts.map((attempt) => {
      try {
        attempt();
        return 'no error';
      } catch (error) {
        expect(isQuickcdError(error, 'HANDLER_INVALID')).toBe(true);
        return (error as Error).message;
      }
    });
    expect(messages[0]).toMatch(/"x" is already registered/);
    expect(messages[1]).toMatch(/expected an event type such as "PushEvent", got "push"/);
    expect(messages[2]).toMatch(/expected a function/);
    expect(messages[3]).toMatch(/timeoutSeconds: expected a positive number, got -1/);
    expect(messages[4]).toMatch(/blocking: expected a boolean/);
  });

  it('matches on type and filter; a filter that throws counts as no match and is reported', () => {
    const r = createRegistry();
    addHandler(r, 'PushEvent', async () => {}, {
      name: 'main',
      filter: (p) => p.ref === 'refs/heads/main',
    });
    addHandler(r, 'PushEvent', async () => {}, {
      name: 'broken',
      filter: () => {
        throw new Error('boom');
      },
    });
    addHandler(r, 'PullRequestEvent', async () => {}, { name: 'pr' });
    const main = matchHandlers(r, push('refs/heads/main'));
    expect(main.handlers.map((h) => h.name)).toEqual(['main']);
    expect(main.filterErrors).toEqual([{ handler: 'broken', error: 'boom' }]);
    expect(matchHandlers(r, push('refs/heads/dev')).handlers).toEqual([]);
  });

  it('skips completed handlers and selects a lane', () => {
    const r = createRegistry();
    addHandler(r, 'PushEvent', async () => {}, { name: 'a' });
    addHandler(r, 'PushEvent', async () => {}, { name: 'b', blocking: false });
    addHandler(r, 'PushEvent', async () => {}, { name: 'c' });
    const event = push('refs/heads/main');
    expect(matchHandlers(r, event, { completed: ['a'] }).handlers.map((h) => h.name)).toEqual([
      'b',
      'c',
    ]);
    expect(matchHandlers(r, event, { lane: 'nonblocking' }).handlers.map((h) => h.name)).toEqual([
      'b',
    ]);
    expect(matchHandlers(r, event, { lane: 'blocking' }).handlers.map((h) => h.name)).toEqual([
      'a',
      'c',
    ]);
  });

  it('with `matched` (the names stored with the event) runs no filter again', () => {
    const r = createRegistry();
    let calls = 0;
    const filter = () => (calls++, true);
    addHandler(r, 'PushEvent', async () => {}, { name: 'a', filter });
    addHandler(r, 'PushEvent', async () => {}, { name: 'b', filter, blocking: false });
    addHandler(r, 'PushEvent', async () => {}, { name: 'c', filter });
    const event = push('refs/heads/main');
    expect(matchHandlers(r, event).handlers.map((h) => h.name)).toEqual(['a', 'b', 'c']);
    expect(calls).toBe(3);
    const again = matchHandlers(r, event, { matched: ['a', 'b'], completed: ['b'] });
    expect(again.handlers.map((h) => h.name)).toEqual(['a']);
    expect(matchHandlers(r, event, { matched: ['a', 'b'], lane: 'nonblocking' }).handlers).toEqual([
      r.handlers[1],
    ]);
    expect(calls).toBe(3);
  });
});
