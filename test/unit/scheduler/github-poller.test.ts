import type { Octokit } from '@octokit/rest';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { cursorSchema } from '../../../scheduler/cursor.js';
import { createGitHubPoller } from '../../../scheduler/github-poller.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';
import { systemClock } from '../../../common/clock.js';

/**
 * A minimal Events API behind `github.request`: newest first (delivery order), 300-event
 * window, ETags per page, 304 on a match, `Link: next`, `X-Poll-Interval`.
 */
function fakeEventsApi() {
  const events: Record<string, unknown>[] = [];
  const calls: { page: number; status: number }[] = [];
  const request = async (
    _route: string,
    params: { page: number; per_page: number; headers: Record<string, string> },
  ) => {
    const window = events.slice(0, 300);
    const start = (params.page - 1) * params.per_page;
    const data = window.slice(start, start + params.per_page);
    const etag = `"${data.map((e) => String(e.id)).join(',').length}-${String(data[0]?.id)}-${String(data.at(-1)?.id)}"`;
    const headers: Record<string, string> = { etag, 'x-poll-interval': '60' };
    if (start + params.per_page < window.length)
      headers.link = `<x?page=${params.page + 1}>; rel="next"`;
    if (params.headers['if-none-match'] === etag) {
      calls.push({ page: params.page, status: 304 });
      throw Object.assign(new Error('Not modified'), { status: 304, response: { headers } });
    }
    calls.push({ page: params.page, status: 200 });
    return { data, headers, status: 200 };
  };
  return {
    github: { request } as unknown as Octokit,
    calls,
    events,
    /** Delivers an event now (top of the listing). */
    deliver(id?: string, type = 'PushEvent') {
      const event = makeEvent(type, pushPayload('refs/heads/main'), id ? { id } : {});
      events.unshift(event);
      return String(event.id);
    },
    /** Inserts an event at a position (a late one that sorts below page 1). */
    insertAt(position: number, id: string) {
      events.splice(position, 0, makeEvent('PushEvent', pushPayload('refs/heads/main'), { id }));
    },
    deliverMany(n: number) {
      return Array.from({ length: n }, () => this.deliver());
    },
  };
}

function setup(replay: 'none' | 'window' = 'none') {
  const api = fakeEventsApi();
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  let time = Date.parse('2026-11-20T10:00:00Z');
  const poller = createGitHubPoller({
    github: api.github,
    wanted: (e) => e.type === 'PushEvent',
    config: { pollInterval: 30, revalidateInterval: 600, replay },
    log,
    clock: { now: () => new Date(time), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
  });
  return { api, poller, lines, advance: (s: number) => (time += s * 1000) };
}

describe('createGitHubPoller (fake events API)', () => {
  it('stores only the cursor on the first run, reading the whole window', async () => {
    const { api, poller } = setup();
    const ids = api.deliverMany(250);
    const result = await poller.poll('acme/web', undefined);
    expect(result.events).toEqual([]);
    expect(result.cursor.seen).toHaveLength(250);
    expect(result.cursor.lastEventId).toBe(ids.at(-1));
    expect(Object.keys(result.cursor.pageEtags)).toEqual(['2', '3']);
    expect(api.calls.map((c) => c.page)).toEqual([1, 2, 3]);
    expect(result.nextPollSeconds).toBe(60);
  });

  it('finds late events: on page 1 at once, below it on re-validation', async () => {
    const { api, poller, advance } = setup();
    const ids = api.deliverMany(250);
    const start = await poller.poll('acme/web', undefined);
    // Delivered late: its id is lower than ids already seen.
    const lateLow = String(BigInt(ids[0] ?? '0') - 5n);
    api.deliver(lateLow);
    advance(30);
    const first = await poller.poll('acme/web', start.cursor);
    expect(first.events.map((e) => e.id)).toEqual([lateLow]);
    expect([...first.late]).toEqual([lateLow]);

    // Later still, and sorted below page 1: only re-validating the window finds it.
    const deep = String(BigInt(ids[0] ?? '0') - 7n);
    api.insertAt(180, deep);
    api.calls.length = 0;
    advance(30);
    const quick = await poller.poll('acme/web', first.cursor);
    expect(quick.events).toEqual([]);
    expect(api.calls).toEqual([{ page: 1, status: 304 }]);
    advance(600);
    api.calls.length = 0;
    const revalidated = await poller.poll(
      'acme/web',
      cursorSchema.parse(JSON.parse(JSON.stringify(quick.cursor))),
    );
    expect(revalidated.events.map((e) => e.id)).toEqual([deep]);
    expect(revalidated.late.has(deep)).toBe(true);
    expect(api.calls).toEqual([
      { page: 1, status: 304 },
      { page: 2, status: 200 },
      { page: 3, status: 200 },
    ]);
  });

  it('replays the window on request, oldest first, wanted only', async () => {
    const { api, poller } = setup('window');
    const a = api.deliver();
    api.deliver(undefined, 'WatchEvent');
    const b = api.deliver();
    const result = await poller.poll('acme/web', undefined);
    expect(result.events.map((e) => e.id)).toEqual([a, b]);
  });

  it('warns of a possible gap when nothing seen is left in the window', async () => {
    const { api, poller, lines } = setup();
    api.deliverMany(5);
    const start = await poller.poll('acme/web', undefined);
    api.deliverMany(350);
    const result = await poller.poll('acme/web', start.cursor);
    expect(result.events).toHaveLength(300);
    const warning = lines.find((l) => String(l.msg).startsWith('possible gap'));
    expect(warning).toMatchObject({ level: 40, seenBefore: 5, fetched: 300 });
  });

  it('skips a malformed event and an event a filter throws on', async () => {
    const { api, poller, lines } = setup();
    api.deliver();
    const start = await poller.poll('acme/web', undefined);
    api.deliver(undefined, 'bogus');
    const good = api.deliver();
    const result = await poller.poll('acme/web', start.cursor);
    expect(result.events.map((e) => e.id)).toEqual([good]);
    expect(lines.some((l) => l.msg === 'skipping a malformed event')).toBe(true);
  });

  it('keeps the first of two events with the same id on a page, and warns', async () => {
    const { api, poller, lines } = setup('window');
    api.deliver('500');
    api.deliver('500');
    (api.events[0]!.payload as { ref: string }).ref = 'refs/heads/first';
    const result = await poller.poll('acme/web', undefined);
    expect(result.events).toHaveLength(1);
    expect((result.events[0]!.payload as { ref: string }).ref).toBe('refs/heads/first');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 40,
        eventId: '500',
        msg: expect.stringContaining('same id'),
      }),
    );
  });
});
