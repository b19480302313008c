import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { createLocalExecutor } from '../../../scheduler/local-executor.js';
import type { LaunchSpec } from '../../../scheduler/ports/executor.js';
import { eventually } from '../../support/eventually.js';
import { waitForRun } from '../../support/wait-for-run.js';
import { makeEvent, pushPayload, tempDir, writeFiles } from '../../support/fixtures.js';
import { QUICKCD_BIN, runCli } from '../../support/run-cli.js';

// `quickcd logs` with the local executor (embedded mode): runs launched by the real local
// executor (`quickcd runner` child processes), read back by the built CLI, which says for each
// whether it shows the live output of a run still going or the output a finished run kept.
const repo = 'acme/webapp';
const eventId = '48000000001';

describe('quickcd logs --executor local', { timeout: 60_000 }, () => {
  it('labels a running run "live output" and a finished one "kept output"', async () => {
    const stateDir = tempDir();
    const f = writeFiles({
      'handlers.ts': `import { existsSync } from 'node:fs';
import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  console.log('attempt output ' + process.env.E2E_HOLD);
  while (existsSync(process.env.E2E_HOLD + '-' + ctx.event.id)) await new Promise((r) => setTimeout(r, 20));
}, { name: 'deploy' });
`,
    });
    const hold = join(f.dir, 'hold');
    const executor = createLocalExecutor({
      stateDir,
      handlersFile: f.path('handlers.ts'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, E2E_HOLD: hold },
      log: pino({ level: 'silent' }),
      quickcdBin: QUICKCD_BIN,
    });
    const raw = makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: eventId, repo });
    const spec = (attempt: number): LaunchSpec => ({
      event: {
        repo,
        id: eventId,
        type: 'PushEvent',
        event: parseEvent(raw),
        status: 'pending',
        lanes: {},
        handlers: {},
        storedAt: new Date().toISOString(),
        late: false,
      },
      lane: 'blocking',
      attempt,
      completed: [],
      timeoutSeconds: 60,
    });
    const first = await executor.launch(spec(1));
    expect((await waitForRun(executor, spec(1))).ok).toBe(true);

    writeFileSync(`${hold}-${eventId}`, '');
    const second = await executor.launch(spec(2));
    const runDir = join(stateDir, 'runs', second.name);
    await eventually(() => existsSync(join(runDir, 'pid')), 'the second run started');
    const logs = () =>
      runCli(['logs', eventId, '--executor', 'local', '--state-dir', stateDir], {
        env: { QUICKCD_REPO: repo },
      });
    const output = join(stateDir, 'runs', first.name, 'output.log');

    const during = await logs();
    expect(during.code, during.stderr).toBe(0);
    const [one = '', two = ''] = during.stdout.split(`== run/${second.name}`);
    expect(one).toContain(`== run/${first.name} (blocking, attempt 1, succeeded) ==`);
    expect(one).toContain(`(kept output of the local run, all of it: ${output})`);
    expect(one).toContain(`attempt output ${hold}`);
    expect(two).toMatch(/^ \(blocking, attempt 2, running\) ==/);
    expect(two).toContain(
      `(live output of the local run, still being written: ${join(runDir, 'output.log')})`,
    );

    rmSync(`${hold}-${eventId}`);
    expect((await waitForRun(executor, spec(2))).ok).toBe(true);
    const after = await logs();
    expect(after.code, after.stderr).toBe(0);
    const [, kept = ''] = after.stdout.split(`== run/${second.name}`);
    expect(kept).toMatch(/^ \(blocking, attempt 2, succeeded\) ==/);
    expect(kept).toContain('(kept output of the local run, all of it: ');
    expect(after.stdout).not.toContain('live output');
  });
});
