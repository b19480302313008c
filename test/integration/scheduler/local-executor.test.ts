import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../../../common/clock.js';
import { observeLocalRun } from '../../../scheduler/observe-local-run.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { newStoredEvent } from '../../../scheduler/event-state.js';
import { createLocalExecutor } from '../../../scheduler/local-executor.js';
import type { LaunchSpec } from '../../../scheduler/ports/executor.js';
import { eventually } from '../../support/eventually.js';
import { waitForRun } from '../../support/wait-for-run.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { repoRoot } from '../../support/repo-root.js';

/** The embedded executor across a scheduler restart: one run per (event, lane, attempt). */
const HANDLERS = `import { appendFileSync, existsSync } from 'node:fs';
import { on } from 'quickcd';
on('PushEvent', async () => {
  appendFileSync(process.env.MARK_DIR + '/ran', 'x');
  while (!existsSync(process.env.MARK_DIR + '/go')) await new Promise((r) => setTimeout(r, 50));
}, { name: 'deploy' });
`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function setup() {
  const dir = tempDir();
  writeFileSync(join(dir, 'handlers.mjs'), HANDLERS);
  cleanups.push(() => writeFileSync(join(dir, 'go'), ''));
  const executor = () =>
    createLocalExecutor({
      stateDir: join(dir, 'state'),
      handlersFile: join(dir, 'handlers.mjs'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, MARK_DIR: dir },
      log: pino({ level: 'silent' }),
      quickcdBin: join(repoRoot(), 'bin', 'quickcd.js'),
    });
  const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '41' }));
  const spec: LaunchSpec = {
    event: newStoredEvent(event, [{ name: 'deploy', blocking: true }], new Date()),
    lane: 'blocking',
    attempt: 1,
    completed: [],
    timeoutSeconds: 120,
  };
  const ran = () => (existsSync(join(dir, 'ran')) ? readFileSync(join(dir, 'ran'), 'utf8') : '');
  return { dir, executor, spec, ran };
}

describe('local executor across a restart', { timeout: 60_000 }, () => {
  it('never launches a run again whose directory exists, even without its pid file', async () => {
    const { dir, executor, spec, ran } = setup();
    const first = executor();
    expect(await first.observe(spec)).toEqual({ state: 'absent' });
    const launch = await first.launch(spec);
    await eventually(() => ran() === 'x', 'the handler runs', 30_000);
    // The scheduler was killed after making the run directory (event.json, output.log) but
    // before the pid file was there: what a restarted scheduler finds.
    const runDir = join(dir, 'state', 'runs', launch.name);
    expect(existsSync(join(runDir, 'output.log'))).toBe(true);
    rmSync(join(runDir, 'pid'));

    const restarted = executor();
    expect(await restarted.observe(spec)).toMatchObject({ state: 'running', name: launch.name });
    expect(await restarted.launch(spec)).toEqual({ name: launch.name, adopted: true });
    writeFileSync(join(dir, 'go'), '');
    const outcome = await waitForRun(restarted, spec);
    expect(outcome).toMatchObject({ ok: true, results: [{ name: 'deploy', ok: true }] });
    expect(ran()).toBe('x'); // one run of the handler, not two
  });

  it('observes a run whose process group was killed as finished, failed', async () => {
    const { dir, executor, spec, ran } = setup();
    const ex = executor();
    const launch = await ex.launch(spec);
    await eventually(() => ran() === 'x', 'the handler runs', 30_000);
    const runDir = join(dir, 'state', 'runs', launch.name);
    const { pid } = JSON.parse(readFileSync(join(runDir, 'pid'), 'utf8')) as { pid: number };
    process.kill(-pid, 'SIGKILL'); // kill -9 of the whole group: nobody writes exit-code
    const outcome = await waitForRun(ex, spec);
    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/without an exit status/),
    });
  });

  it('a run is finished once its result is written, while its processes still exit', async () => {
    const { dir } = setup();
    const runDir = join(dir, 'run');
    mkdirSync(runDir);
    // The run's process group, still alive (a runner exiting after writing its result).
    const group = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    cleanups.push(() => group.kill('SIGKILL'));
    writeFileSync(join(runDir, 'pid'), JSON.stringify({ pid: group.pid }));
    const look = () =>
      observeLocalRun(runDir, 'run', 60_000, systemClock, pino({ level: 'silent' }));
    expect(await look()).toMatchObject({ state: 'running' });
    writeFileSync(join(runDir, 'result.json'), '{"eventId":"41","res'); // still being written
    expect(await look()).toMatchObject({ state: 'running' });
    const result = { name: 'deploy', lane: 'blocking', ok: false, durationMs: 5, error: 'boom' };
    writeFileSync(
      join(runDir, 'result.json'),
      JSON.stringify({ eventId: '41', results: [result], filterErrors: [] }),
    );
    expect(await look()).toEqual({
      state: 'finished',
      name: 'run',
      outcome: { ok: false, results: [result] },
    });
    // Past its deadline the result does not end it early: the deadline is the reason.
    writeFileSync(join(runDir, 'deadline'), new Date().toISOString());
    expect(await look()).toMatchObject({ state: 'running' });
  });
});
