import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { benchReport } from './support/bench-report.js';
import { bundleHandlers } from '../handlers/bundle-handlers.js';
import { QUICKCD_BIN } from '../test/support/run-cli.js';
import { makeEvent, pushPayload, writeFiles } from '../test/support/fixtures.js';

/**
 * What starting a runner costs: CPU (user + system) of the supervisor and the runner process from
 * process start until the first handler runs — what every event pays before any work of its own —
 * and for the whole run of a no-op handler. The handlers file is a bundle, as in a Job.
 */
const run = promisify(execFile);
const row = benchReport('Runner start');

// The handler reads its own CPU and its supervisor's (from /proc, in clock ticks of 10 ms).
const HANDLER = `import { on } from 'quickcd';
import { readFileSync, writeFileSync } from 'node:fs';
const ticks = (pid) => {
  const f = readFileSync('/proc/' + pid + '/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
on('PushEvent', async () => {
  const own = process.cpuUsage();
  writeFileSync(process.env.CPU_FILE, JSON.stringify({
    runner: (own.user + own.system) / 1e6,
    supervisor: ticks(process.ppid),
  }));
}, { name: 'noop' });
`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('runner start', () => {
  it('CPU from process start to the first handler, and for a whole no-op run', async () => {
    const f = writeFiles({
      'handlers.mjs': HANDLER,
      'event.json': JSON.stringify(makeEvent('PushEvent', pushPayload('refs/heads/main'))),
    });
    const bundle = await bundleHandlers(f.path('handlers.mjs'));
    const bundled = writeFiles({ [bundle.fileName]: bundle.code }).path(bundle.fileName);
    const runs = 15;
    const toHandler: number[] = [];
    const whole: number[] = [];
    for (let i = 0; i < runs; i++) {
      const cpuFile = f.path(`cpu-${i}.json`);
      const args = ['runner', '--event', f.path('event.json'), '--handlers', bundled];
      await run(process.execPath, [QUICKCD_BIN, ...args, '--reporter', 'console'], {
        env: { PATH: process.env.PATH, CPU_FILE: cpuFile },
      });
      const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as {
        runner: number;
        supervisor: number;
      };
      toHandler.push(cpu.runner + cpu.supervisor);
      whole.push(await wholeRunCpu(args, f.path(`cpu-w-${i}.json`)));
    }
    const start = median(toHandler);
    row({
      measure: 'CPU from process start to the first handler (supervisor + runner), p50',
      result: `${start.toFixed(3)} s`,
      target: '< 0.200 s',
      met: start < 0.2,
    });
    row({ measure: 'CPU of a whole no-op run, p50', result: `${median(whole).toFixed(3)} s` });
    expect(start).toBeGreaterThan(0);
  });
});

/** CPU of a whole run, as `time` reports it (user + sys of the process tree). */
async function wholeRunCpu(args: string[], cpuFile: string): Promise<number> {
  const { stdout } = await run(
    '/usr/bin/env',
    [
      'bash',
      '-c',
      'TIMEFORMAT="cpu %U %S"; { time "$@" >/dev/null 2>&1; } 2>&1',
      'bash',
      process.execPath,
      QUICKCD_BIN,
      ...args,
      '--reporter',
      'console',
    ],
    { env: { PATH: process.env.PATH, CPU_FILE: cpuFile } },
  );
  const [, user, sys] = /cpu ([\d.]+) ([\d.]+)/.exec(stdout) ?? [];
  return Number(user) + Number(sys);
}
