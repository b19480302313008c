import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../../common/run-result.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { QUICKCD_BIN, REPO_ROOT } from '../../support/run-cli.js';

/** Runs `quickcd runner` with its stdout discarded (it may print hundreds of MB). */
function runQuiet(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [QUICKCD_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - started });
    });
  });
}

function setup(handler: string) {
  const f = writeFiles({
    'handlers.ts': `import { on } from 'quickcd';\nimport { readFileSync, writeFileSync } from 'node:fs';\n${handler}`,
    'event.json': JSON.stringify(makeEvent('PushEvent', pushPayload('refs/heads/main'))),
  });
  const args = [
    'runner',
    '--event',
    f.path('event.json'),
    '--handlers',
    f.path('handlers.ts'),
    '--reporter',
    'console',
    '--result',
    f.path('result.json'),
  ];
  return { f, args, result: () => parseRunResult(readFileSync(f.path('result.json'), 'utf8')) };
}

describe('quickcd runner: bounded memory and time for command output (issue 11)', () => {
  it('200 MB of output without a newline does not balloon the runner', async () => {
    const { f, args, result } = setup(`
on('PushEvent', async (p, ctx) => {
  await ctx.sh\`head -c 200000000 /dev/zero | tr '\\\\0' a\`.catch(() => {});
  const hwm = /VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1];
  writeFileSync(process.env.HWM_FILE!, hwm!);
}, { name: 'chatty' });`);
    const r = await runQuiet(args, { HWM_FILE: f.path('hwm') });
    expect(r.code, r.stderr).toBe(0);
    expect(result()?.results[0]).toMatchObject({ name: 'chatty', ok: true });
    const peakMb = Number(readFileSync(f.path('hwm'), 'utf8')) / 1024;
    expect(peakMb).toBeLessThan(400);
  }, 120_000);

  it('endless output without a newline: the timeout fires and a result is written', async () => {
    const { args, result } = setup(`
on('PushEvent', async (p, ctx) => {
  await ctx.sh\`yes | tr -d '\\\\n'\`;
}, { name: 'endless', timeoutSeconds: 15 });`);
    const r = await runQuiet(args);
    expect(r.stderr).not.toContain('RangeError');
    expect(r.code).toBe(1);
    expect(result()?.results[0]).toMatchObject({ name: 'endless', ok: false });
    expect(result()?.results[0]?.error).toMatch(/timed out|timeout/i);
    expect(r.ms).toBeLessThan(60_000);
  }, 120_000);
});
