import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../../common/run-result.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

/**
 * Whatever a handler leaves behind — timers, a listening socket, background commands, child
 * processes of its own — the run ends once its result is written, and what it started dies.
 */
const LEAVES_EVERYTHING_BEHIND = `import { on } from 'quickcd';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
const dir = process.env.PIDS_DIR;
on('PushEvent', async (p, ctx) => {
  setInterval(() => {}, 1000);
  createServer().listen(0);
  await ctx.sh\`sleep 1000 & echo $! > \${dir}/bg.pid\`;
  const own = spawn('sleep', ['1000'], { stdio: 'ignore' });
  writeFileSync(dir + '/own.pid', String(own.pid));
  throw new Error('left a mess');
}, { name: 'messy' });
on('PushEvent', async () => {
  await new Promise((r) => setTimeout(r, 30_000));
}, { name: 'slow', timeoutSeconds: 1 });
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const pidsOf = (dir: string) =>
  ['bg.pid', 'own.pid'].map((name) => Number(readFileSync(`${dir}/${name}`, 'utf8').trim()));

describe('a run always ends', () => {
  it('quickcd runner exits once the result is written and kills what the handlers left', async () => {
    const f = writeFiles({
      'handlers.ts': LEAVES_EVERYTHING_BEHIND,
      'event.json': JSON.stringify(makeEvent('PushEvent', pushPayload('refs/heads/main'))),
    });
    const started = Date.now();
    const r = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--result',
        f.path('result.json'),
      ],
      { env: { PIDS_DIR: f.dir }, timeoutMs: 25_000 },
    );
    expect(r.signal, 'the runner had to be killed').toBeNull();
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    const results = parseRunResult(readFileSync(f.path('result.json'), 'utf8'))?.results;
    // Each failure carries its code: a timeout is HANDLER_TIMEOUT, a plain throw HANDLER_FAILED.
    expect(results?.map((x) => [x.name, x.ok, x.error, x.code])).toEqual([
      ['messy', false, 'left a mess', 'HANDLER_FAILED'],
      ['slow', false, 'timed out after 1 s', 'HANDLER_TIMEOUT'],
    ]);
    for (const pid of pidsOf(f.dir)) {
      await eventually(() => !alive(pid), `process ${pid} killed`, 5000);
    }
  });

  it('quickcd run exits too', async () => {
    const f = writeFiles({
      'handlers.ts': LEAVES_EVERYTHING_BEHIND,
      'events.json': JSON.stringify([makeEvent('PushEvent', pushPayload('refs/heads/main'))]),
    });
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', f.path('handlers.ts')],
      { env: { PIDS_DIR: f.dir }, timeoutMs: 25_000 },
    );
    expect(r.signal, 'quickcd run had to be killed').toBeNull();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/0 succeeded, 2 failed \(messy, slow\)/);
    for (const pid of pidsOf(f.dir)) {
      await eventually(() => !alive(pid), `process ${pid} killed`, 5000);
    }
  });
});
