import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isQuickcdError } from '../../../common/errors.js';
import { parseEvent } from '../../../handlers/event.js';
import { applyBuiltinCommand } from '../../../scheduler/apply-builtin-command.js';
import { parseBuiltinCommand } from '../../../scheduler/builtin-command.js';
import { markSkipped, newStoredEvent } from '../../../scheduler/event-state.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import { retryEvent } from '../../../scheduler/operator-actions.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { laneWithSkippedEvent } from '../../support/skipped-lane.js';

const now = new Date('2026-11-25T10:00:00Z');
const log = pino({ level: 'silent' });

describe('retry of a skipped blocking event whose later events already ran', () => {
  it('is refused, naming the newer event that ran, and changes nothing', async () => {
    const store = await laneWithSkippedEvent();
    const error = await retryEvent(store, '100', now, { repo: 'acme/webapp' }).catch((e) => e);
    expect(isQuickcdError(error, 'LANE_ORDER')).toBe(true);
    expect(error.message).toMatch(/newer event 101 \(PushEvent\) already ran/);
    expect(error.context).toMatchObject({ eventId: '100', newerEventId: '101' });
    expect((await store.getEvent('100'))?.status).toBe('skipped');
  });

  it('goes ahead with force, and says which newer event it now runs after', async () => {
    const store = await laneWithSkippedEvent();
    const { event, ranAfter } = await retryEvent(store, '100', now, {
      repo: 'acme/webapp',
      force: true,
    });
    expect(event.status).toBe('pending');
    expect(ranAfter).toEqual({ id: '101', type: 'PushEvent' });
  });

  it('is allowed without force while no later event has run', async () => {
    const store = createFileStore({ stateDir: tempDir() });
    for (const id of ['100', '101']) {
      const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id }));
      await store.putEvent(newStoredEvent(event, [{ name: 'deploy', blocking: true }], now));
    }
    await store.updateEvent('acme/webapp', '100', markSkipped);
    const { event, ranAfter } = await retryEvent(store, '100', now);
    expect(event.status).toBe('pending');
    expect(ranAfter).toBeUndefined();
  });
});

describe('/quickcd retry <id> [force]', () => {
  const comment = (body: string) =>
    parseEvent(
      makeEvent('IssueCommentEvent', {
        action: 'created',
        issue: {
          number: 7,
          title: 'x',
          state: 'open',
          user: { login: 'mona', id: 1 },
          html_url: '',
        },
        comment: {
          id: 1,
          body,
          user: { login: 'mona', id: 1 },
          html_url: '',
          author_association: 'OWNER',
          created_at: '2026-11-25T10:00:00Z',
        },
      }),
    );

  it('parses force', () => {
    expect(parseBuiltinCommand(comment('/quickcd retry 100 force'))).toMatchObject({
      name: 'retry',
      eventId: '100',
      force: true,
    });
    expect(parseBuiltinCommand(comment('/quickcd retry 100'))).toMatchObject({ force: false });
  });

  it('answers a refusal with how to force it, and a forced retry with what it broke', async () => {
    const store = await laneWithSkippedEvent();
    const answers: string[] = [];
    const respond = async (_repo: string, _target: unknown, body: string) => {
      answers.push(body);
    };
    const deps = { store, now, log, clusterId: 'prod', respond };
    await applyBuiltinCommand(
      parseBuiltinCommand(comment('/quickcd retry 100'))!,
      'acme/webapp',
      deps,
    );
    expect(answers[0]).toMatch(/cannot retry: .*newer event 101 \(PushEvent\) already ran/);
    expect(answers[0]).toContain('`/quickcd retry 100 force`');
    expect((await store.getEvent('100'))?.status).toBe('skipped');

    await applyBuiltinCommand(
      parseBuiltinCommand(comment('/quickcd retry 100 force'))!,
      'acme/webapp',
      deps,
    );
    expect(answers[1]).toMatch(/event 100 \(PushEvent\) runs again now, after newer event 101/);
    expect((await store.getEvent('100'))?.status).toBe('pending');
  });
});
