import type { Octokit } from '@octokit/rest';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../../common/redact.js';
import { createGitHubReporter } from '../../../runner/github-reporter.js';
import type { Clock } from '../../../common/clock.js';

/** A virtual clock: sleeping advances time at once, so tests never wait. */
function virtualClock(): Clock & { time: number } {
  const clock = {
    time: 0,
    now: () => new Date(clock.time),
    sleep: async (ms: number) => {
      clock.time += ms;
      await Promise.resolve();
    },
  };
  return clock;
}

interface Write {
  readonly kind: 'create' | 'update' | 'status';
  readonly at: number;
  readonly id?: number;
  readonly body?: string;
  readonly params?: Record<string, unknown>;
}

/** Just enough of Octokit for the reporter, recording writes; `failures` makes writes fail. */
function fakeGitHub(clock: Clock, failures = { remaining: 0, status: 502 }) {
  const comments = new Map<number, string>();
  const writes: Write[] = [];
  let nextId = 1;
  const fail = () => {
    if (failures.remaining <= 0) return;
    failures.remaining -= 1;
    throw Object.assign(new Error(`HTTP ${failures.status}`), { status: failures.status });
  };
  const create = async ({ body }: { body: string }) => {
    fail();
    const id = nextId++;
    comments.set(id, body);
    writes.push({ kind: 'create', at: clock.now().getTime(), id, body });
    return { data: { id, html_url: `https://github.test/c/${id}` } };
  };
  const update = async ({ comment_id, body }: { comment_id: number; body: string }) => {
    fail();
    comments.set(comment_id, body);
    writes.push({ kind: 'update', at: clock.now().getTime(), id: comment_id, body });
    return { data: {} };
  };
  const github = {
    rest: {
      repos: {
        createCommitComment: create,
        updateCommitComment: update,
        createCommitStatus: async (params: Record<string, unknown>) => {
          fail();
          writes.push({ kind: 'status', at: clock.now().getTime(), params });
          return { data: {} };
        },
      },
      issues: { createComment: create, updateComment: update },
    },
  } as unknown as Octokit;
  return { github, comments, writes };
}

function setup(
  options: { failures?: { remaining: number; status: number }; secret?: string } = {},
) {
  const clock = virtualClock();
  const fake = fakeGitHub(clock, options.failures);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const reporter = createGitHubReporter({
    github: fake.github,
    repo: { owner: 'acme', name: 'web' },
    clusterId: 'prod/eu/c1',
    redact: createRedactor([options.secret]),
    log,
    minEditIntervalMs: 3000,
    clock,
    retry: { attempts: 3, delayMs: 100 },
  });
  return { ...fake, clock, reporter, lines };
}

describe('createGitHubReporter (fake GitHub)', () => {
  it('creates the comment at the first section and coalesces the rest into one edit', async () => {
    const { reporter, writes, comments } = setup();
    const log = reporter.commentLog({ kind: 'commit', sha: 'abc123' }, 'deploy');
    expect(log.url).toBeUndefined();
    log('Event', '{}');
    for (let i = 0; i < 20; i++) log.details(`step ${i}`, `output ${i}`);
    await reporter.flush();
    expect(writes.map((w) => w.kind)).toEqual(['create', 'update']);
    expect(writes[0]?.body).toBe('## prod/eu/c1: deploy\n\n**Event**\n\n```\n{}\n```');
    expect(comments.get(1)).toContain('<details><summary>step 19</summary>');
    expect(log.url).toBe('https://github.test/c/1');
  });

  it('edits one comment at most once per interval, latest state winning', async () => {
    const { reporter, writes, clock } = setup();
    const log = reporter.commentLog({ kind: 'pr', number: 7 }, 'preview');
    for (let i = 0; i < 5; i++) {
      log(`section ${i}`);
      await clock.sleep(1000);
    }
    await log.flush();
    const times = writes.map((w) => w.at);
    for (let i = 1; i < times.length; i++) {
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(3000);
    }
    expect(writes.length).toBeLessThan(5);
    expect(writes.at(-1)?.body).toContain('**section 4**');
  });

  it('retries a failed write and delivers the final state on flush', async () => {
    const { reporter, comments, lines } = setup({ failures: { remaining: 2, status: 502 } });
    const log = reporter.commentLog({ kind: 'commit', sha: 'abc' }, 'deploy');
    log('one');
    log('two');
    await reporter.flush();
    expect(comments.get(1)).toBe('## prod/eu/c1: deploy\n\n**one**\n\n**two**');
    expect(lines.filter((l) => l.level === 40)).toHaveLength(2);
  });

  it('never rejects when GitHub stays down, and logs that it gave up', async () => {
    const { reporter, lines } = setup({ failures: { remaining: Infinity, status: 503 } });
    const log = reporter.commentLog({ kind: 'commit', sha: 'abc' }, 'deploy');
    log('one');
    await expect(reporter.flush()).resolves.toBeUndefined();
    await expect(
      reporter.setCommitStatus({ sha: 'abc', state: 'success', context: 'prod/eu/c1' }),
    ).resolves.toBeUndefined();
    expect(lines.filter((l) => l.level === 50)).toHaveLength(2);
    expect(log.url).toBeUndefined();
  });

  it('continues a log past the body limit in a new comment, linked both ways', async () => {
    const { reporter, comments } = setup();
    const log = reporter.commentLog({ kind: 'commit', sha: 'abc' }, 'deploy');
    const chunk = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    for (let i = 0; i < 8; i++) log.details(`command ${i}`, `\`\`\`\n${chunk}\n\`\`\``);
    await reporter.flush();
    expect(comments.size).toBe(3);
    const [first, second] = [comments.get(1) ?? '', comments.get(2) ?? ''];
    for (const body of comments.values()) expect(body.length).toBeLessThanOrEqual(65_536);
    expect(first).toMatch(/\*… continued in https:\/\/github.test\/c\/2\*$/);
    expect(second).toMatch(
      /^## prod\/eu\/c1: deploy \(continued\)\n\n\*Continued from https:\/\/github.test\/c\/1\*/,
    );
    expect(log.url).toBe('https://github.test/c/1');
  });

  it('redacts secrets from bodies and statuses, and truncates descriptions', async () => {
    const secret = 'ghp_supersecret1234';
    const { reporter, writes } = setup({ secret });
    const log = reporter.commentLog({ kind: 'commit', sha: 'abc' }, 'deploy');
    log('token', `the token is ${secret}`);
    await reporter.setCommitStatus({
      sha: 'abc',
      state: 'failure',
      context: 'prod/eu/c1',
      description: `failed with ${secret} ${'y'.repeat(200)}`,
      targetUrl: `https://ci.example/?t=${secret}`,
    });
    await reporter.flush();
    const sent = JSON.stringify(writes);
    expect(sent).not.toContain(secret);
    expect(sent).toContain('the token is ***');
    const status = writes.find((w) => w.kind === 'status')?.params;
    expect(status?.description).toMatch(/^failed with \*\*\* y+…$/);
    expect([...String(status?.description)]).toHaveLength(140);
    expect(status?.target_url).toBe('https://ci.example/?t=***');
  });

  it('gives up at once on a client error such as 422', async () => {
    const { reporter, writes, lines } = setup({ failures: { remaining: 1, status: 422 } });
    const log = reporter.commentLog({ kind: 'commit', sha: 'abc' }, 'deploy');
    log('one');
    await reporter.flush();
    expect(writes).toHaveLength(0);
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
    // A later change tries again.
    log('two');
    await reporter.flush();
    expect(writes.map((w) => w.kind)).toEqual(['create']);
  });
});
