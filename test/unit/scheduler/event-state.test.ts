import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { applyOutcome, markLaunched, newStoredEvent } from '../../../scheduler/event-state.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';

const now = new Date('2026-11-25T10:00:00Z');
const backoff = { retryBaseSeconds: 60, retryMaxSeconds: 3600 };
const running = () =>
  markLaunched(
    newStoredEvent(
      parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '3' })),
      [
        { name: 'deploy', blocking: true },
        { name: 'audit', blocking: true },
      ],
      now,
    ),
    'blocking',
    1,
    now,
  );

describe('applyOutcome', () => {
  it('a runner that exits 0 without a result fails every handler it did not report', () => {
    const next = applyOutcome(
      running(),
      'blocking',
      { ok: true, results: undefined },
      now,
      backoff,
    );
    expect(next.status).toBe('failed');
    expect(next.lanes.blocking).toMatchObject({ status: 'failed', attempts: 1 });
    for (const name of ['deploy', 'audit']) {
      expect(next.handlers[name]).toMatchObject({
        status: 'failed',
        error: 'the runner ended without a result',
      });
    }
  });

  it('a runner that exits 0 with results completes a handler it did not run (no longer matches)', () => {
    const next = applyOutcome(
      running(),
      'blocking',
      { ok: true, results: [{ name: 'deploy', lane: 'blocking', ok: true, durationMs: 1 }] },
      now,
      backoff,
    );
    expect(next.status).toBe('handled');
    expect(next.handlers.audit).toMatchObject({
      status: 'complete',
      error: 'no longer matches: not run',
    });
  });

  it('keeps each failed handler’s error code, and drops it once the handler succeeds', () => {
    const failed = applyOutcome(
      running(),
      'blocking',
      {
        ok: false,
        results: [
          {
            name: 'deploy',
            lane: 'blocking',
            ok: false,
            durationMs: 1000,
            error: 'timed out after 1 s',
            code: 'HANDLER_TIMEOUT',
          },
          { name: 'audit', lane: 'blocking', ok: true, durationMs: 1 },
        ],
      },
      now,
      backoff,
    );
    expect(failed.handlers.deploy).toMatchObject({
      status: 'failed',
      error: 'timed out after 1 s',
      code: 'HANDLER_TIMEOUT',
    });
    expect(failed.handlers.audit?.code).toBeUndefined();
    const again = applyOutcome(
      markLaunched(failed, 'blocking', 2, now),
      'blocking',
      { ok: true, results: [{ name: 'deploy', lane: 'blocking', ok: true, durationMs: 1 }] },
      now,
      backoff,
    );
    expect(again.handlers.deploy).toMatchObject({ status: 'complete' });
    expect(again.handlers.deploy?.code).toBeUndefined();
  });
});
