import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../../common/run-result.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

/** A handler that blocks the event loop and ignores SIGTERM is still stopped (issue 11). */
const BUSY = `import { on } from 'quickcd';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const dir = process.env.PIDS_DIR!;
on('PushEvent', async () => {}, { name: 'quick' });
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
    'event.json': JSON.stringify(
      makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '951' }),
    ),
  });
  const args = [
    'runner',
    '--event',
    f.path('event.json'),
    '--handlers',
    f.path('handlers.ts'),
    '--result',
    f.path('result.json'),
    '--reporter',
    'console',
  ];
  return { f, args };
}

async function expectStopped(f: ReturnType<typeof writeFiles>, pattern: RegExp, code: string) {
  const result = parseRunResult(readFileSync(f.path('result.json'), 'utf8'));
  expect(result?.eventId).toBe('951');
  expect(result?.results.map((r) => [r.name, r.ok])).toEqual([
    ['quick', true],
    ['busy', false],
  ]);
  expect(result?.results[1]?.error).toMatch(pattern);
  expect(result?.results[1]?.code).toBe(code);
  const own = Number(readFileSync(f.path('own.pid'), 'utf8'));
  await eventually(() => !alive(own), "the busy handler's own process is killed", 5000);
}

describe('quickcd runner: a handler that blocks the event loop', () => {
  it('is killed once its timeout and the grace have passed; the result is written', async () => {
    const { f, args } = setup();
    const started = Date.now();
    const r = await runCli(args, {
      env: { PIDS_DIR: f.dir, BUSY_TIMEOUT: '1' },
      timeoutMs: 40_000,
    });
    expect(r.signal, 'the runner had to be killed by the test').toBeNull();
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.stderr).toContain('handler busy did not stop within 5 s of its 1 s timeout');
    await expectStopped(f, /^killed: handler busy did not stop/, 'HANDLER_TIMEOUT');
  }, 60_000);

  it('is killed within the grace after SIGTERM, when run by hand', async () => {
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
    expect(r.signal, 'the runner had to be killed by the test').toBeNull();
    expect(r.code).toBe(1);
    expect(Date.now() - sentAt).toBeLessThan(9000);
    await expectStopped(
      f,
      /^killed: the runner did not stop within 5 s of SIGTERM/,
      'HANDLER_FAILED',
    );
  }, 60_000);
});
