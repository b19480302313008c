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

  it('refuses bad flags with exit code 2', async () => {
    const child = spawn(process.execPath, [launcher, '--port', 'eighty'], { stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(stderr).toContain('--port: expected an integer');
  });
});
