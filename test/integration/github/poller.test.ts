import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitHubEvent } from '../../../handlers/event.js';
import { cursorSchema, type Cursor } from '../../../scheduler/cursor.js';
import { createGitHubPoller } from '../../../scheduler/github-poller.js';
import { startGitHubServer } from '../../support/github-server/index.js';
import { pushPayload } from '../../support/fixtures.js';
import { captureLog, testClient } from './helpers.js';
import { systemClock } from '../../../common/clock.js';

type Server = Awaited<ReturnType<typeof startGitHubServer>>;

describe('GitHub events poller against the GitHub API test server', () => {
  let server: Server;
  let repoCount = 0;
  beforeAll(async () => {
    server = await startGitHubServer();
  });
  afterAll(async () => {
    await server.close();
  });

  function setup(
    options: {
      replay?: 'none' | 'window';
      pollInterval?: number;
      wanted?: (e: GitHubEvent) => boolean;
    } = {},
  ) {
    const repo = `acme/poll${++repoCount}`;
    const captured = captureLog();
    const github = testClient(server, captured.log);
    let time = Date.parse('2026-11-20T10:00:00Z');
    const makePoller = () =>
      createGitHubPoller({
        github,
        wanted: options.wanted ?? (() => true),
        config: {
          pollInterval: options.pollInterval ?? 60,
          revalidateInterval: 600,
          replay: options.replay ?? 'none',
        },
        log: captured.log,
        clock: { now: () => new Date(time), sleep: (ms, signal) => systemClock.sleep(ms, signal) },
      });
    const add = (n: number, type = 'PushEvent') => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const e = server.addEvent(repo, { type, payload: pushPayload('refs/heads/main') });
        ids.push(e.id);
      }
      return ids;
    };
    const eventRequests = () =>
      server.requests.filter((r) => r.path.startsWith(`/repos/${repo}/events`));
    const pages = () =>
      eventRequests().map((r) => new URL(r.path, 'http://x').searchParams.get('page') ?? '1');
    return {
      repo,
      add,
      poller: makePoller(),
      makePoller,
      eventRequests,
      pages,
      advance: (seconds: number) => {
        time += seconds * 1000;
      },
      ...captured,
    };
  }

  it('first run stores only the cursor; then 304s with the ETag cost no rate limit', async () => {
    const { repo, add, poller, eventRequests } = setup();
    const ids = add(5);
    const first = await poller.poll(repo, undefined);
    expect(first.events).toEqual([]);
    expect(new Set(first.cursor.seen)).toEqual(new Set(ids));
    expect(first.cursor.etag).toBeDefined();

    const remaining = server.rateLimitRemaining;
    const second = await poller.poll(repo, first.cursor);
    expect(second.events).toEqual([]);
    expect(eventRequests().at(-1)?.status).toBe(304);
    expect(eventRequests().at(-1)?.requestHeaders['if-none-match']).toBe(first.cursor.etag);
    expect(server.rateLimitRemaining).toBe(remaining);
    expect(second.cursor.seen).toEqual(first.cursor.seen);
  });

  it('returns new wanted events oldest first, once', async () => {
    const { repo, add, poller } = setup({ wanted: (e) => e.type === 'PushEvent' });
    add(3);
    const start = await poller.poll(repo, undefined);
    const pushes = add(2);
    add(1, 'WatchEvent');
    const more = add(1);
    const result = await poller.poll(repo, start.cursor);
    expect(result.events.map((e) => e.id)).toEqual([...pushes, ...more]);
    expect(result.late.size).toBe(0);
    const again = await poller.poll(repo, result.cursor);
    expect(again.events).toEqual([]);
  });

  it('replays the window on the first run when asked', async () => {
    const { repo, add, poller } = setup({ replay: 'window' });
    const ids = add(4);
    const result = await poller.poll(repo, undefined);
    expect(result.events.map((e) => e.id)).toEqual(ids);
  });

  it('waits at least X-Poll-Interval and at least the configured interval', async () => {
    const { repo, add, poller } = setup({ pollInterval: 30 });
    add(1);
    server.setPollInterval(90);
    const slow = await poller.poll(repo, undefined);
    expect(slow.nextPollSeconds).toBe(90);
    server.setPollInterval(10);
    const fast = await poller.poll(repo, slow.cursor);
    expect(fast.nextPollSeconds).toBe(30);
    server.setPollInterval(60);
  });

  it('follows Link only as far as the events already seen', async () => {
    const { repo, add, poller, pages, eventRequests, warnings } = setup();
    add(150);
    const start = await poller.poll(repo, undefined);
    expect(pages()).toEqual(['1', '2']);
    server.clearRequests();
    const fresh = add(120);
    const result = await poller.poll(repo, start.cursor);
    expect(pages()).toEqual(['1', '2']);
    expect(eventRequests().map((r) => r.status)).toEqual([200, 200]);
    expect(result.events.map((e) => e.id)).toEqual(fresh);
    expect(warnings()).toEqual([]);
  });

  it('never reads past the 300-event window, and warns of a possible gap', async () => {
    const { repo, add, poller, pages, warnings } = setup();
    add(10);
    const start = await poller.poll(repo, undefined);
    server.clearRequests();
    const fresh = add(400);
    const result = await poller.poll(repo, start.cursor);
    expect(pages()).toEqual(['1', '2', '3']);
    expect(result.events.map((e) => e.id)).toEqual(fresh.slice(-300));
    const gap = warnings().find((w) => String(w.msg).includes('possible gap'));
    expect(gap).toBeDefined();
    expect(Number(gap?.missed)).toBeGreaterThanOrEqual(1);
    expect(result.cursor.seen.length).toBeLessThanOrEqual(400);
  });

  it('neither duplicates nor misses events across restarts (cursor through JSON)', async () => {
    const { repo, add, makePoller, advance } = setup();
    add(20);
    let stored: unknown = JSON.parse(
      JSON.stringify((await makePoller().poll(repo, undefined)).cursor),
    );
    const added: string[] = [];
    const delivered: string[] = [];
    const batches = [0, 1, 37, 0, 99, 150, 3, 0, 260, 5];
    for (const [round, n] of batches.entries()) {
      added.push(...add(n));
      advance(round % 3 === 0 ? 700 : 60); // every third poll also re-validates the window
      const cursor: Cursor = cursorSchema.parse(stored);
      const result = await makePoller().poll(repo, cursor);
      delivered.push(...result.events.map((e) => e.id));
      stored = JSON.parse(JSON.stringify(result.cursor));
    }
    expect(delivered).toEqual(added);
  });

  it('finds a late event on page 1, and one below page 1 by re-validating the window', async () => {
    const { repo, poller, advance, pages, eventRequests } = setup();
    // Ids 10 apart, so that late events can take the ids in between.
    const base = 90_000_000_000n;
    const ids = Array.from({ length: 250 }, (_, i) => String(base + BigInt(i) * 10n));
    for (const id of ids)
      server.addEvent(repo, { type: 'PushEvent', payload: pushPayload('refs/heads/main'), id });
    const start = await poller.poll(repo, undefined);
    expect(start.events).toEqual([]);

    // Delivered late, with an id below ones already seen: listed on page 1.
    const lateId = String(base + 249n * 10n - 5n);
    server.addEvent(repo, {
      type: 'PushEvent',
      payload: pushPayload('refs/heads/main'),
      id: lateId,
    });
    advance(60);
    const onPage1 = await poller.poll(repo, start.cursor);
    expect(onPage1.events.map((e) => e.id)).toEqual([lateId]);
    expect([...onPage1.late]).toEqual([lateId]);

    // Later still, and listed on page 3 (the listing is ordered by id): page 1 is unchanged, so
    // a plain poll cannot see it; re-validating the window does.
    const deepId = String(base + 20n * 10n - 5n);
    server.addEvent(repo, {
      type: 'PushEvent',
      payload: pushPayload('refs/heads/main'),
      id: deepId,
    });
    advance(60);
    server.clearRequests();
    const quick = await poller.poll(repo, onPage1.cursor);
    expect(quick.events).toEqual([]);
    expect(eventRequests().map((r) => r.status)).toEqual([304]);
    advance(600);
    server.clearRequests();
    const remaining = server.rateLimitRemaining;
    const revalidated = await poller.poll(repo, quick.cursor);
    expect(pages()).toEqual(['1', '2', '3']);
    expect(revalidated.events.map((e) => e.id)).toEqual([deepId]);
    expect([...revalidated.late]).toEqual([deepId]);
    // Page 1 did not change: a 304, free. Pages 2 and 3 did.
    expect(eventRequests().map((r) => r.status)).toEqual([304, 200, 200]);
    expect(remaining - server.rateLimitRemaining).toBe(2);
    // And nothing is found twice.
    advance(600);
    const after = await poller.poll(repo, revalidated.cursor);
    expect(after.events).toEqual([]);
  });

  it('skips malformed events with a warning', async () => {
    const { repo, add, poller, warnings } = setup();
    add(1);
    const start = await poller.poll(repo, undefined);
    const good = add(1);
    server.addEvent(repo, { type: 'not an event type', payload: {} });
    const result = await poller.poll(repo, start.cursor);
    expect(result.events.map((e) => e.id)).toEqual(good);
    expect(warnings().some((w) => String(w.msg).includes('malformed'))).toBe(true);
  });

  it('reports a GitHub failure as GITHUB_FAILED, leaving the cursor to the caller', async () => {
    const { repo, add, poller } = setup();
    add(1);
    const start = await poller.poll(repo, undefined);
    server.fault({ path: `/repos/${repo}/events`, times: Infinity, kind: 'status', status: 500 });
    try {
      await expect(poller.poll(repo, start.cursor)).rejects.toMatchObject({
        code: 'GITHUB_FAILED',
      });
    } finally {
      server.clearFaults();
    }
  });
});
