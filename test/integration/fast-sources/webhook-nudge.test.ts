import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../common/github/create-github-client.js';
import { addHandler, createRegistry } from '../../../handlers/registry.js';
import { systemClock } from '../../../common/clock.js';
import { createScheduler } from '../../../scheduler/create-scheduler.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import { createGitHubPoller } from '../../../scheduler/github-poller.js';
import { createWebhookRoute } from '../../../scheduler/http/webhook-route.js';
import { withFastSources } from '../../../scheduler/sources/with-fast-sources.js';
import { eventually } from '../../support/eventually.js';
import { tempDir } from '../../support/fixtures.js';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { fakeExecutor } from '../../support/scheduler-fakes.js';

const REPO = 'acme/hooked';
const SECRET = 'webhook-secret-for-tests';
const sha = (n: number) => n.toString(16).padStart(40, 'c');
const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

let github: GitHubTestServer;
let http: Server;
let url: string;
const stop = new AbortController();
let running: Promise<unknown>;
let nudges: string[];
let store: ReturnType<typeof createFileStore>;

/**
 * The webhook nudge on a bare node:http server, in front of a real scheduler whose fast
 * interval is an hour and whose Events API lags by an hour: a push is seen now only if a valid
 * delivery nudges the watchers.
 */
beforeEach(async () => {
  github = await startGitHubServer({ eventsLatencyMs: 3_600_000 });
  github.push(REPO, { ref: 'main', head: sha(1), event: false });
  const log = pino({ level: 'silent' });
  const client = createGitHubClient({
    config: { githubToken: github.token, githubUrl: github.url },
    log,
  });
  store = createFileStore({ stateDir: join(tempDir('quickcd-hook-'), 'state') });
  const registry = createRegistry();
  addHandler(registry, 'PushEvent', async () => {}, { name: 'deploy' });
  const fast = withFastSources({
    events: createGitHubPoller({
      github: client,
      wanted: () => true,
      config: { pollInterval: 3600, revalidateInterval: 3600, replay: 'none' },
      log,
    }),
    github: client,
    store,
    wanted: () => true,
    repos: [REPO],
    config: { fastPollInterval: 3600, fastPollBudget: 300 },
    log,
  });
  const scheduler = createScheduler({
    repos: [REPO],
    source: fast.source,
    store,
    executor: fakeExecutor().executor,
    leadership: { acquire: async () => new AbortController().signal, release: async () => {} },
    registry,
    config: {
      pollInterval: 3600,
      retryBaseSeconds: 60,
      retryMaxSeconds: 3600,
      concurrency: 1,
      handlerTimeoutSeconds: 60,
    },
    log,
    clock: systemClock,
  });
  nudges = [];
  const route = createWebhookRoute({
    secret: SECRET,
    repos: [REPO],
    nudge: (repo) => {
      nudges.push(repo);
      fast.fast?.nudge(repo);
      scheduler.nudge(repo);
    },
    log,
  });
  http = createServer((req, res) => {
    if (req.method === route.method && req.url === route.path) void route.handle(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/webhook`;
  running = scheduler.run(stop.signal);
  // The baseline of the refs is taken.
  await eventually(() => github.requests.some((r) => r.path.includes('matching-refs/tags')));
});

afterEach(async () => {
  stop.abort();
  await running;
  await new Promise((r) => http.close(r));
  await github.close();
});

const deliver = (body: string, headers: Record<string, string>) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', ...headers },
    body,
  });

const pushes = async () =>
  (await store.listEvents({ repo: REPO })).filter((e) => e.type === 'PushEvent');

describe('POST /webhook', () => {
  it('a valid delivery polls now; an invalid, forged or replayed one changes nothing', async () => {
    github.push(REPO, { ref: 'main', head: sha(2) });
    const body = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: REPO } });

    const unsigned = await deliver(body, { 'x-github-delivery': 'd-0' });
    expect(unsigned.status).toBe(401);
    const wrongSecret = await deliver(body, {
      'x-github-delivery': 'd-1',
      'x-hub-signature-256': sign(body, 'not-the-secret'),
    });
    expect(wrongSecret.status).toBe(401);
    const forged = await deliver(body.replace('main', 'evil'), {
      'x-github-delivery': 'd-2',
      'x-hub-signature-256': sign(body),
    });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toEqual({ message: 'invalid X-Hub-Signature-256' });
    // Refused before anything is nudged: nothing can follow from them.
    expect(nudges).toEqual([]);

    const valid = await deliver(body, {
      'x-github-delivery': 'd-3',
      'x-hub-signature-256': sign(body),
    });
    expect(valid.status).toBe(202);
    expect(nudges).toEqual([REPO]);
    await eventually(async () => (await pushes()).length === 1, 'the push seen after the nudge');
    expect((await pushes())[0]?.event).toMatchObject({ source: 'refs', payload: { head: sha(2) } });

    const replayed = await deliver(body, {
      'x-github-delivery': 'd-3',
      'x-hub-signature-256': sign(body),
    });
    expect(replayed.status).toBe(202);
    expect(await replayed.json()).toEqual({ message: 'delivery already seen: nothing to do' });
    expect(nudges).toEqual([REPO]);
    // A new valid delivery about the same push polls again and finds nothing new.
    const again = await deliver(body, {
      'x-github-delivery': 'd-4',
      'x-hub-signature-256': sign(body),
    });
    expect(again.status).toBe(202);
    const polled = github.requests.length;
    await eventually(() => github.requests.length >= polled + 3, 'the watchers polled again');
    expect(await pushes()).toHaveLength(1);

    const other = JSON.stringify({ repository: { full_name: 'acme/unwatched' } });
    const ignored = await deliver(other, { 'x-hub-signature-256': sign(other) });
    expect(ignored.status).toBe(202);
    expect(nudges).toEqual([REPO, REPO]);
  });
});
