import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig, secretValues } from '../../../../common/config.js';
import type { EventSource } from '../../../../scheduler/ports/event-source.js';
import type { EventStore } from '../../../../scheduler/ports/event-store.js';
import { withFastSources } from '../../../../scheduler/sources/with-fast-sources.js';

const events: EventSource = {
  poll: async () => ({
    events: [],
    late: new Set(),
    cursor: { pageEtags: {}, seen: [] },
    nextPollSeconds: 60,
  }),
};
const log = pino({ level: 'silent' });

describe('fast sources configuration', () => {
  it('defaults to a 10 s interval and a budget of 300 requests a minute', () => {
    const config = loadConfig({});
    expect([config.fastPollInterval, config.fastPollBudget, config.webhookSecret]).toEqual([
      10,
      300,
      undefined,
    ]);
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ QUICKCD_FAST_POLL_INTERVAL: '-1' })).toThrow(
      /QUICKCD_FAST_POLL_INTERVAL: expected at least 0, got -1/,
    );
    expect(() => loadConfig({ QUICKCD_FAST_POLL_BUDGET: '0' })).toThrow(/QUICKCD_FAST_POLL_BUDGET/);
  });

  it('QUICKCD_FAST_POLL_INTERVAL=0: only the Events API poller, as before', () => {
    const wired = withFastSources({
      events,
      github: {} as never,
      store: {} as EventStore,
      wanted: () => true,
      repos: ['acme/web'],
      config: loadConfig({ QUICKCD_FAST_POLL_INTERVAL: '0' }),
      log,
    });
    expect(wired.source).toBe(events);
    expect(wired.fast).toBeUndefined();
  });

  it('the webhook secret is one of the secrets quickcd redacts', () => {
    const env = { QUICKCD_WEBHOOK_SECRET: 'hook-secret-value' };
    expect(secretValues(loadConfig(env), env)).toContain('hook-secret-value');
  });
});
