import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { newStoredEvent } from '../../../scheduler/event-state.js';
import { createLocalExecutor } from '../../../scheduler/local-executor.js';
import type { LaunchSpec } from '../../../scheduler/ports/executor.js';
import { eventually } from '../../support/eventually.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { repoRoot } from '../../support/repo-root.js';
import { waitForRun } from '../../support/wait-for-run.js';

/**
 * The embedded executor stops a handler that blocks the event loop and ignores SIGTERM, and
 * the run still ends with a result (issue 11, point 5): past the handler's timeout, and when
 * the executor terminates a run past its deadline.
 */
const BUSY = `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { on } from 'quickcd';
const dir = process.env.MARK_DIR;
on('PushEvent', async () => {
  process.on('SIGTERM', () => {});
  const own = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
  writeFileSync(dir + '/own.pid', String(own.pid));
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

function setup(busyTimeout: number, runTimeout: number) {
  const dir = tempDir();
  writeFileSync(join(dir, 'handlers.mjs'), BUSY);
  const executor = createLocalExecutor({
    stateDir: join(dir, 'state'),
    handlersFile: join(dir, 'handlers.mjs'),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MARK_DIR: dir,
      BUSY_TIMEOUT: String(busyTimeout),
    },
    log: pino({ level: 'silent' }),
    quickcdBin: join(repoRoot(), 'bin', 'quickcd.js'),
  });
  const event = parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '71' }));
  const spec: LaunchSpec = {
    event: newStoredEvent(event, [{ name: 'busy', blocking: true }], new Date()),
    lane: 'blocking',
    attempt: 1,
    completed: [],
    timeoutSeconds: runTimeout,
  };
  const ownKilled = async () => {
    await eventually(() => existsSync(join(dir, 'own.pid')), 'the handler started', 30_000);
    const own = Number(readFileSync(join(dir, 'own.pid'), 'utf8'));
    await eventually(() => !alive(own), "the busy handler's own process is killed", 5000);
  };
  return { executor, spec, ownKilled };
}

describe('local executor: a handler that blocks the event loop', { timeout: 60_000 }, () => {
  it('is killed once its timeout and the grace have passed; the result says so', async () => {
    const { executor, spec, ownKilled } = setup(1, 120);
    await executor.launch(spec);
    const started = Date.now();
    const outcome = await waitForRun(executor, spec, { timeoutMs: 40_000 });
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(outcome).toMatchObject({
      ok: false,
      results: [
        {
          name: 'busy',
          ok: false,
          code: 'HANDLER_TIMEOUT',
          error: expect.stringMatching(/^killed: handler busy did not stop within 5 s/),
        },
      ],
    });
    await ownKilled();
  });

  it('is killed within the grace when the executor terminates a run past its deadline', async () => {
    const { executor, spec, ownKilled } = setup(3600, 3);
    await executor.launch(spec);
    const outcome = await waitForRun(executor, spec, { timeoutMs: 40_000 });
    // The runner's supervisor killed it 5 s after the SIGTERM, before the executor's SIGKILL
    // (10 s): the result was written.
    expect(outcome).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/passed its deadline/),
      results: [
        {
          name: 'busy',
          ok: false,
          error: expect.stringMatching(/^killed: the runner did not stop within 5 s of SIGTERM/),
        },
      ],
    });
    await ownKilled();
  });
});
