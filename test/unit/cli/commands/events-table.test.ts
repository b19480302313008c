import { describe, expect, it } from 'vitest';
import { formatTable } from '../../../../cli/commands/events.js';
import { parseEvent } from '../../../../handlers/event.js';
import type { StoredEvent } from '../../../../scheduler/ports/event-store.js';
import { makeEvent, pushPayload } from '../../../support/fixtures.js';

const stored = (overrides: Partial<StoredEvent>): StoredEvent => ({
  repo: 'acme/webapp',
  id: '45123456789',
  type: 'PushEvent',
  event: parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '45123456789' })),
  status: 'pending',
  lanes: {},
  handlers: {},
  storedAt: '2026-11-25T10:00:00.000Z',
  late: false,
  ...overrides,
});

describe('quickcd events table', () => {
  it('shows the handlers of a running lane as running, those already complete as complete', () => {
    const table = formatTable([
      stored({
        status: 'running',
        lanes: { blocking: { status: 'running', attempts: 2 } },
        handlers: {
          build: { lane: 'blocking', status: 'complete', attempts: 1 },
          deploy: { lane: 'blocking', status: 'failed', attempts: 1, error: 'boom' },
          notify: { lane: 'nonblocking', status: 'pending', attempts: 0 },
        },
      }),
    ]);
    expect(table).toContain('build:complete deploy:running notify:pending');
  });
});
