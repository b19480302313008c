import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const launcher = fileURLToPath(
  new URL('../../support/github-server/standalone.mjs', import.meta.url),
);
const fixturePath = fileURLToPath(
  new URL('../../fixtures/github/events-page.json', import.meta.url),
);

describe('GitHub test server: standalone', () => {
  it('prints one line when listening, serves preloaded events, exits on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        launcher,
        '--token',
        't0k',
        '--poll-interval',
        '5',
        '--events',
        fixturePath,
        '--repo',
        'acme/webapp',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = once(child, 'exit');
    try {
      const lines = createInterface({ input: child.stdout });
      const [first] = (await once(lines, 'line')) as [string];
      const match = /^GitHub API test server listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first);
      expect(match).not.toBeNull();
      const response = await fetch(`${match?.[1]}/repos/acme/webapp/events`, {
        headers: { authorization: 'token t0k' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-poll-interval')).toBe('5');
      const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { id: string }[];
      const events = (await response.json()) as { id: string }[];
      expect(events.map((e) => e.id)).toEqual(fixture.map((e) => e.id));
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });

  it('prints what to export and can be driven by hand through its admin endpoints', async () => {
    const child = spawn(process.execPath, [launcher, '--token', 't0k'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const printed: string[] = [];
      while (printed.length < 4) printed.push(String((await lines.next()).value));
      const url = /listening on (http:\/\/\S+)$/.exec(printed[0]!)?.[1];
      expect(printed[1]).toBe('token: t0k');
      expect(printed[2]).toBe(`export QUICKCD_GITHUB_URL=${url} QUICKCD_GITHUB_TOKEN=t0k`);
      expect(printed[3]).toContain('/_admin/repos/{owner}/{repo}/events');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, checked below
      type Json = any;
      const call = async (
        method: string,
        path: string,
        body?: unknown,
      ): Promise<{ status: number; body: Json }> => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: 'token t0k', 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return {
          status: response.status,
          body: response.status === 204 ? undefined : ((await response.json()) as Json),
        };
      };
      const push = await call('POST', '/_admin/repos/acme/webapp/events', {
        type: 'PushEvent',
        payload: { ref: 'refs/heads/main', head: 'a'.repeat(40), before: '0'.repeat(40) },
      });
      expect(push.status).toBe(201);
      const sha = 'c'.repeat(40);
      const commented = await call('POST', `/_admin/repos/acme/webapp/commits/${sha}/comments`, {
        body: '/quickcd retry 1',
      });
      expect(commented.status).toBe(201);
      expect(commented.body.comment).toMatchObject({
        body: '/quickcd retry 1',
        author_association: 'OWNER',
      });
      const onIssue = await call('POST', '/_admin/repos/acme/webapp/issues/7/comments', {
        body: 'hello',
        login: 'mona',
      });
      expect(onIssue.status).toBe(201);
      const events = await call('GET', '/repos/acme/webapp/events');
      expect(events.body.map((e: { type: string }) => e.type)).toEqual([
        'IssueCommentEvent',
        'CommitCommentEvent',
        'PushEvent',
      ]);
      expect(events.body[0].payload).toMatchObject({
        action: 'created',
        issue: { number: 7 },
        comment: { body: 'hello', user: { login: 'mona' } },
      });
      expect(events.body[1].payload.comment).toMatchObject({ commit_id: sha });
      expect((await call('GET', `/repos/acme/webapp/commits/${sha}/comments`)).body).toHaveLength(
        1,
      );

      const fault = await call('POST', '/_admin/faults', {
        kind: 'status',
        status: 502,
        pathPattern: '^/repos/acme/webapp/events',
        times: 'Infinity',
      });
      expect(fault.status).toBe(201);
      expect((await call('GET', '/repos/acme/webapp/events')).status).toBe(502);
      expect((await call('GET', '/repos/acme/webapp/events')).status).toBe(502);
      expect((await call('DELETE', `/_admin/faults/${fault.body.id}`)).status).toBe(204);
      expect((await call('GET', '/repos/acme/webapp/events')).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(((await exited) as [number | null])[0]).toBe(0);
  });

  it('refuses bad flags with exit code 2', async () => {
    const child = spawn(process.execPath, [launcher, '--port', 'eighty'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('--port: expected an integer');
  });
});
