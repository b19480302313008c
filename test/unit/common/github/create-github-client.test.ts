import Bottleneck from 'bottleneck';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../../../common/github/create-github-client.js';
import { getGitToken } from '../../../../common/github/get-git-token.js';

type Reply = { status: number; body?: string; headers?: Record<string, string> };

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(replies: Reply[]) {
  const seen: { url: string; headers: Headers }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({
      url: input instanceof Request ? input.url : input.toString(),
      headers: new Headers(init?.headers),
    });
    const reply = replies.shift() ?? { status: 200, body: '[]' };
    return new Response(reply.status === 304 ? null : (reply.body ?? '[]'), {
      status: reply.status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...reply.headers },
    });
  };
  return { fetch, seen };
}

function client(replies: Reply[], githubUrl = 'https://api.github.com') {
  const scripted = scriptedFetch(replies);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const group = () => new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 });
  const github = createGitHubClient({
    config: { githubToken: 'ghp_test_token', githubUrl },
    log,
    fetch: scripted.fetch,
    timing: { retryAfterBaseValue: 1, throttle: { write: group(), notifications: group() } },
  });
  const list = () =>
    github.request('GET /repos/{owner}/{repo}/events', { owner: 'acme', repo: 'web' });
  return { github, list, lines, seen: scripted.seen };
}

describe('createGitHubClient (scripted fetch)', () => {
  it('sends the token to the configured base URL (GitHub Enterprise)', async () => {
    const { list, seen, github } = client([], 'https://ghe.example/api/v3/');
    await list();
    expect(seen[0]?.url).toBe('https://ghe.example/api/v3/repos/acme/web/events');
    expect(seen[0]?.headers.get('authorization')).toBe('token ghp_test_token');
    expect(await getGitToken(github)).toBe('ghp_test_token');
  });

  it('retries server errors and malformed JSON', async () => {
    const { list, seen } = client([
      { status: 502, body: '{}' },
      { status: 200, body: '[{"id":' },
    ]);
    const { data } = await list();
    expect(data).toEqual([]);
    expect(seen).toHaveLength(3);
  });

  it('waits out a secondary rate limit, logging a warning', async () => {
    const { list, seen, lines } = client([
      {
        status: 403,
        body: JSON.stringify({ message: 'You have exceeded a secondary rate limit' }),
        headers: { 'retry-after': '2' },
      },
    ]);
    await list();
    expect(seen).toHaveLength(2);
    expect(lines.find((l) => l.level === 40)).toMatchObject({ retryAfter: 2, willRetry: true });
  });

  it('gives up after a bounded number of rate-limit retries', async () => {
    const limited = {
      status: 429,
      body: JSON.stringify({ message: 'You have exceeded a secondary rate limit' }),
      headers: { 'retry-after': '1' },
    };
    const { list, seen } = client([limited, limited, limited, limited, limited]);
    await expect(list()).rejects.toMatchObject({ status: 429 });
    expect(seen).toHaveLength(4);
  });

  it('does not retry a 304 (a conditional request that found nothing new)', async () => {
    const { list, seen } = client([{ status: 304 }]);
    await expect(list()).rejects.toMatchObject({ status: 304 });
    expect(seen).toHaveLength(1);
  });
});
