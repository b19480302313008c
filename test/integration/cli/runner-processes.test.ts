import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../../common/run-result.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

/** Background processes and processes that leave the handler's group (issue 11). */
const ESCAPES = `import { on } from 'quickcd';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const dir = process.env.PIDS_DIR!;
on('PushEvent', async (p, ctx) => {
  const started = Date.now();
  await ctx.sh\`sleep 20 &\`;
  writeFileSync(dir + '/background-ms', String(Date.now() - started));
  await ctx.sh\`setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo $! > \${dir}/setsid.pid\`;
  await ctx.sh\`setsid -f sh -c 'echo $$ > \${dir}/setsid-f.pid; exec sleep 1000' </dev/null >/dev/null 2>&1\`;
  spawn('setsid', ['-f', 'sh', '-c', \`echo $$ > \${dir}/own-setsid.pid; exec sleep 1000\`], {
    stdio: 'ignore',
  });
  // Until every escapee has said who it is.
  await ctx.sh\`for f in setsid setsid-f own-setsid; do until test -s \${dir}/$f.pid; do sleep 0.1; done; done\`;
}, { name: 'escapes' });
`;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('processes a handler starts', () => {
  it('a background job does not hold sh; processes that left the group die with the run', async () => {
    const f = writeFiles({
      'handlers.ts': ESCAPES,
      'event.json': JSON.stringify(makeEvent('PushEvent', pushPayload('refs/heads/main'))),
    });
    const r = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--result',
        f.path('result.json'),
        '--reporter',
        'console',
      ],
      { env: { PIDS_DIR: f.dir }, timeoutMs: 45_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(parseRunResult(readFileSync(f.path('result.json'), 'utf8'))?.results[0]?.ok).toBe(true);
    expect(Number(readFileSync(f.path('background-ms'), 'utf8'))).toBeLessThan(10_000); // not the 20 s of the sleep
    const pids = ['setsid.pid', 'setsid-f.pid', 'own-setsid.pid'].map((n) =>
      Number(readFileSync(f.path(n), 'utf8').trim()),
    );
    try {
      for (const pid of pids) await eventually(() => !alive(pid), `process ${pid} killed`, 5000);
    } finally {
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 60_000); // three handlers' worth of processes: slow when both cores are busy
});
