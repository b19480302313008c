import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

/**
 * `quickcd run` (local mode) stops a handler that blocks the event loop and ignores SIGTERM,
 * as `quickcd runner` does (issue 11, point 5): before, it looped until killed from outside.
 */
const BUSY = `import { on } from 'quickcd';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const dir = process.env.PIDS_DIR!;
on('PushEvent', async () => {
  process.on('SIGTERM', () => {});
  const own = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
  writeFileSync(dir + '/own.pid', String(own.pid));
  writeFileSync(dir + '/looping', '');
  for (;;) {}
}, { name: 'busy', timeoutSeconds: Number(process.env.BUSY_TIMEOUT) });
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function setup() {
  const f = writeFiles({
    'handlers.ts': BUSY,
    'events.json': JSON.stringify([
      makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '961' }),
    ]),
  });
  const args = ['run', '--events', f.path('events.json'), '--handlers', f.path('handlers.ts')];
  return { f, args };
}

async function expectOwnProcessKilled(f: ReturnType<typeof writeFiles>) {
  const own = Number(readFileSync(f.path('own.pid'), 'utf8'));
  await eventually(() => !alive(own), "the busy handler's own process is killed", 5000);
}

describe('quickcd run: a handler that blocks the event loop', () => {
  it('is killed once its timeout and the grace have passed', async () => {
    const { f, args } = setup();
    const started = Date.now();
    const r = await runCli(args, {
      env: { PIDS_DIR: f.dir, BUSY_TIMEOUT: '1' },
      timeoutMs: 40_000,
    });
    expect(r.signal, 'quickcd run had to be killed by the test').toBeNull();
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.stderr).toContain(
      'quickcd run: handler busy did not stop within 5 s of its 1 s timeout',
    );
    await expectOwnProcessKilled(f);
  }, 60_000);

  it('is killed within the grace after SIGTERM', async () => {
    const { f, args } = setup();
    let sentAt = 0;
    const r = await runCli(args, {
      env: { PIDS_DIR: f.dir, BUSY_TIMEOUT: '3600' },
      timeoutMs: 40_000,
      onSpawn: (child) => {
        void eventually(() => existsSync(f.path('looping')), 'the handler loops', 20_000).then(
          () => {
            sentAt = Date.now();
            child.kill('SIGTERM');
          },
        );
      },
    });
    expect(r.signal, 'quickcd run had to be killed by the test').toBeNull();
    expect(r.code).toBe(1);
    expect(Date.now() - sentAt).toBeLessThan(9000);
    expect(r.stderr).toContain('quickcd run: the runner did not stop within 5 s of SIGTERM');
    await expectOwnProcessKilled(f);
  }, 60_000);

  it('Ctrl-C on a handler that awaits ends quickcd run with 130, as a killed process would', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
import { writeFileSync } from 'node:fs';
on('PushEvent', async () => {
  writeFileSync(process.env.PIDS_DIR + '/waiting', '');
  await new Promise((r) => setTimeout(r, 3_600_000));
}, { name: 'waits' });
`,
      'events.json': JSON.stringify([
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '962' }),
      ]),
    });
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', f.path('handlers.ts')],
      {
        env: { PIDS_DIR: f.dir },
        timeoutMs: 40_000,
        onSpawn: (child) => {
          void eventually(() => existsSync(f.path('waiting')), 'the handler waits', 20_000).then(
            () => child.kill('SIGINT'),
          );
        },
      },
    );
    expect(r.signal, 'quickcd run had to be killed by the test').toBeNull();
    expect(r.code).toBe(130);
  }, 60_000);
});
