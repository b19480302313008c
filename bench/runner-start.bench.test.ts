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
 * and for the whole run of a no-op handler. The handlers file is a bundle, as in a Job. The same
 * starts with the runner's startup snapshot turned off (QUICKCD_RUNNER_SNAPSHOT=off: the child
 * compiles its modules) are interleaved with them, so the two are measured in the same minutes.
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
    snapshot: process.execArgv.includes('--snapshot-blob'),
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
    const modes = { snapshot: {}, compiled: { QUICKCD_RUNNER_SNAPSHOT: 'off' } } as const;
    const toHandler = { snapshot: [] as number[], compiled: [] as number[] };
    const whole = { snapshot: [] as number[], compiled: [] as number[] };
    const fromSnapshot = { snapshot: 0, compiled: 0 };
    for (let i = 0; i < runs; i++) {
      for (const [mode, extra] of Object.entries(modes) as [keyof typeof modes, object][]) {
        const cpuFile = f.path(`cpu-${mode}-${i}.json`);
        const args = ['runner', '--event', f.path('event.json'), '--handlers', bundled];
        const env = { PATH: process.env.PATH, CPU_FILE: cpuFile, ...extra };
        await run(process.execPath, [QUICKCD_BIN, ...args, '--reporter', 'console'], { env });
        const cpu = JSON.parse(readFileSync(cpuFile, 'utf8')) as {
          runner: number;
          supervisor: number;
          snapshot: boolean;
        };
        toHandler[mode].push(cpu.runner + cpu.supervisor);
        if (cpu.snapshot) fromSnapshot[mode]++;
        whole[mode].push(await wholeRunCpu(args, { ...env, CPU_FILE: `${cpuFile}.whole` }));
      }
    }
    const start = median(toHandler.snapshot);
    const compiled = median(toHandler.compiled);
    row({
      measure: 'CPU from process start to the first handler (supervisor + runner), p50',
      result: `${start.toFixed(3)} s`,
      target: '< 0.200 s',
      met: start < 0.2,
    });
    row({
      measure: `… the runner child started from the startup snapshot`,
      result: `${fromSnapshot.snapshot} of ${runs} starts`,
    });
    row({
      measure:
        '… the same with the snapshot off (QUICKCD_RUNNER_SNAPSHOT=off: the child compiles its modules), p50',
      result: `${compiled.toFixed(3)} s (×${(compiled / start).toFixed(2)})`,
    });
    row({
      measure: 'CPU of a whole no-op run, p50 (snapshot / off)',
      result: `${median(whole.snapshot).toFixed(3)} s / ${median(whole.compiled).toFixed(3)} s`,
    });
    expect(fromSnapshot).toEqual({ snapshot: runs, compiled: 0 });
    expect(start).toBeGreaterThan(0);
  });
});

/** CPU of a whole run, as `time` reports it (user + sys of the process tree). */
async function wholeRunCpu(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
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
    { env },
  );
  const [, user, sys] = /cpu ([\d.]+) ([\d.]+)/.exec(stdout) ?? [];
  return Number(user) + Number(sys);
}
