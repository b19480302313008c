import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../../common/clock.js';
import { parseEvent } from '../../../handlers/event.js';
import { createRegistry } from '../../../handlers/registry.js';
import { newStoredEvent } from '../../../scheduler/event-state.js';
import { createLiveHandlers } from '../../../scheduler/live-handlers.js';
import { createLocalExecutor } from '../../../scheduler/local-executor.js';
import { SPARE_MAX_AGE_MS } from '../../../scheduler/local-spare.js';
import type { LaunchSpec } from '../../../scheduler/ports/executor.js';
import { eventually } from '../../support/eventually.js';
import { waitForRun } from '../../support/wait-for-run.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { repoRoot } from '../../support/repo-root.js';

/**
 * The local executor's warm spare: a runner started ahead, handlers loaded, given the next
 * launch. Each handlers file notes the pid of every process that loads it (`loaded`) and of
 * every handler run (`ran`), with its version.
 */
const handlers = (version: string) => `import { appendFileSync, existsSync } from 'node:fs';
import { on } from 'quickcd';
appendFileSync(process.env.MARK_DIR + '/loaded', '${version} ' + process.pid + '\\n');
on('PushEvent', async (_payload, ctx) => {
  appendFileSync(process.env.MARK_DIR + '/ran', '${version} ' + process.pid + ' ' + ctx.event.id + '\\n');
  while (!existsSync(process.env.MARK_DIR + '/go-' + ctx.event.id)) await new Promise((r) => setTimeout(r, 20));
}, { name: 'deploy' });
`;

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const lines = (file: string) =>
  existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
const pidOf = (line: string) => Number(line.split(' ')[1]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function setup() {
  const dir = tempDir();
  for (const v of ['v1', 'v2']) writeFileSync(join(dir, `handlers-${v}.mjs`), handlers(v));
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, MARK_DIR: dir };
  const stateDir = join(dir, 'state');
  // The executor's clock: real time plus what a test skips ahead.
  let skipped = 0;
  const clock: Clock = {
    now: () => new Date(Date.now() + skipped),
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
  };
  const skip = (ms: number) => (skipped += ms);
  const executor = (version = 'v1') =>
    createLocalExecutor({
      clock,
      stateDir,
      handlersFile: join(dir, `handlers-${version}.mjs`),
      env,
      log: pino({ level: 'silent' }),
      quickcdBin: join(repoRoot(), 'bin', 'quickcd.js'),
      spare: true,
    });
  const spec = (id: string): LaunchSpec => ({
    event: newStoredEvent(
      parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id })),
      [{ name: 'deploy', blocking: true }],
      new Date(),
    ),
    lane: 'blocking',
    attempt: 1,
    completed: [],
    timeoutSeconds: 120,
  });
  const go = (id: string) => writeFileSync(join(dir, `go-${id}`), '');
  cleanups.push(() => ['1', '2', '3'].forEach(go));
  const loaded = () => lines(join(dir, 'loaded'));
  const ran = () => lines(join(dir, 'ran'));
  const spareDirs = () =>
    existsSync(join(stateDir, 'spares')) ? readdirSync(join(stateDir, 'spares')) : [];
  return { dir, stateDir, env, executor, spec, go, loaded, ran, spareDirs, skip };
}

describe('local executor: warm spare runner', { timeout: 90_000 }, () => {
  it('gives the next launch to the spare started after the previous one: a normal run', async () => {
    const { stateDir, executor, spec, go, loaded, ran, spareDirs } = setup();
    const ex = executor();
    const first = await ex.launch(spec('1'));
    expect(first).toEqual({ name: expect.any(String), adopted: false });
    await eventually(() => ran().length === 1, 'the first handler runs', 30_000);
    // The spare has loaded the handlers (a second process) before the second event exists.
    await eventually(() => loaded().length === 2, 'the spare loads the handlers', 30_000);
    const sparePid = loaded()
      .map(pidOf)
      .find((pid) => pid !== pidOf(ran()[0]!));
    go('1');
    expect(await waitForRun(ex, spec('1'))).toMatchObject({ ok: true });

    const second = await ex.launch(spec('2'));
    await eventually(() => ran().length === 2, 'the second handler runs', 30_000);
    expect(ran()[1]).toBe(`v1 ${sparePid} 2`); // run by the spare, not by a new process
    // A restarted scheduler finds it as any run: running, adopted, never launched again.
    const restarted = executor();
    expect(await restarted.observe(spec('2'))).toMatchObject({ state: 'running' });
    expect(await restarted.launch(spec('2'))).toEqual({ name: second.name, adopted: true });
    go('2');
    expect(await waitForRun(restarted, spec('2'))).toMatchObject({ ok: true });
    expect(await waitForRun(ex, spec('2'))).toMatchObject({
      ok: true,
      results: [{ name: 'deploy', ok: true }],
    });
    // Exactly a run's directory: its pid, event, output, result and exit status.
    const runDir = join(stateDir, 'runs', second.name);
    await eventually(() => existsSync(join(runDir, 'exit-code')), 'the runner exits', 30_000);
    for (const file of ['pid', 'event.json', 'output.log', 'result.json', 'exit-code']) {
      expect(existsSync(join(runDir, file)), file).toBe(true);
    }
    expect(readFileSync(join(runDir, 'exit-code'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(runDir, 'output.log'), 'utf8')).toMatch(/deploy/);
    expect(readdirSync(join(stateDir, 'runs')).sort()).toEqual([first.name, second.name].sort());
    // Another spare waits for the next launch, outside runs/, without a pid file.
    await eventually(() => loaded().length === 3, 'the next spare loads', 30_000);
    expect(spareDirs()).toHaveLength(1);
    expect(existsSync(join(stateDir, 'spares', spareDirs()[0]!, 'pid'))).toBe(false);
    ex.retire?.();
  });

  it('drops the spare when the handlers change: the next run loads the new handlers', async () => {
    const { executor, spec, go, loaded, ran, spareDirs } = setup();
    const v1 = executor('v1');
    const live = createLiveHandlers(createRegistry(), v1);
    await live.executor.launch(spec('1'));
    await eventually(() => ran().length === 1 && loaded().length === 2, 'the v1 spare', 30_000);
    const sparePid = loaded()
      .map(pidOf)
      .find((pid) => pid !== pidOf(ran()[0]!))!;
    live.replace(createRegistry(), executor('v2'));
    await eventually(() => !alive(sparePid), 'the v1 spare exits', 30_000);
    go('1');
    await live.executor.launch(spec('2'));
    await eventually(() => ran().length === 2, 'the second handler runs', 30_000);
    expect(ran()[1]).toMatch(/^v2 \d+ 2$/);
    expect(ran()[1]).not.toContain(` ${sparePid} `);
    go('2');
    expect(await waitForRun(live.executor, spec('2'))).toMatchObject({ ok: true });
    await eventually(() => loaded().filter((l) => l.startsWith('v2')).length === 2, 'a v2 spare');
    expect(spareDirs()).toHaveLength(1);
    live.executor.retire?.();
  });

  it('a spare exits when its scheduler dies, and a restarted scheduler never takes it for a run', async () => {
    const { dir, stateDir, env, executor, spec, go, loaded, ran, spareDirs } = setup();
    // A scheduler process of its own, killed with SIGKILL once its spare is loaded.
    const script = join(dir, 'scheduler.mjs');
    writeFileSync(
      script,
      `import { pino } from ${JSON.stringify(pathToFileURL(join(repoRoot(), 'node_modules/pino/pino.js')).href)};
import { createLocalExecutor } from ${JSON.stringify(pathToFileURL(join(repoRoot(), 'dist/scheduler/local-executor.js')).href)};
const ex = createLocalExecutor(${JSON.stringify({
        stateDir,
        handlersFile: join(dir, 'handlers-v1.mjs'),
        env,
        quickcdBin: join(repoRoot(), 'bin', 'quickcd.js'),
        spare: true,
      }).replace(/}$/, ", log: pino({ level: 'silent' }) }")});
await ex.launch(JSON.parse(process.argv[2]));
setInterval(() => {}, 1000);
`,
    );
    const scheduler = spawn(process.execPath, [script, JSON.stringify(spec('1'))], {
      cwd: repoRoot(),
      stdio: 'inherit',
    });
    cleanups.push(() => scheduler.kill('SIGKILL'));
    await eventually(() => ran().length === 1 && loaded().length === 2, 'the spare', 30_000);
    const sparePid = loaded()
      .map(pidOf)
      .find((pid) => pid !== pidOf(ran()[0]!))!;
    expect(spareDirs()).toHaveLength(1);
    scheduler.kill('SIGKILL');
    await eventually(() => !alive(sparePid), 'the spare exits with its scheduler', 30_000);
    go('1');

    const restarted = executor();
    expect(await waitForRun(restarted, spec('1'))).toMatchObject({ ok: true });
    // Nothing of the spare is a run: event 2 was never launched, and launches once.
    expect(await restarted.observe(spec('2'))).toEqual({ state: 'absent' });
    await restarted.launch(spec('2'));
    await eventually(() => ran().length === 2, 'the second handler runs', 30_000);
    go('2');
    expect(await waitForRun(restarted, spec('2'))).toMatchObject({ ok: true });
    expect(ran().map((l) => l.split(' ')[2])).toEqual(['1', '2']);
    expect(ran()[1]).not.toContain(` ${sparePid} `);
    expect(readdirSync(join(stateDir, 'runs'))).toHaveLength(2);
    restarted.retire?.();
  });

  it('does not use a spare older than its maximum age: a fresh runner runs the event', async () => {
    const { executor, spec, go, loaded, ran, skip } = setup();
    const ex = executor();
    await ex.launch(spec('1'));
    await eventually(() => ran().length === 1 && loaded().length === 2, 'the spare', 30_000);
    const sparePid = loaded()
      .map(pidOf)
      .find((pid) => pid !== pidOf(ran()[0]!))!;
    go('1');
    await waitForRun(ex, spec('1'));
    skip(SPARE_MAX_AGE_MS + 1000);
    // A timeout past the skipped time: the clock jump must not read as the run's deadline.
    const second = { ...spec('2'), timeoutSeconds: 3600 };
    await ex.launch(second);
    await eventually(() => ran().length === 2, 'the second handler runs', 30_000);
    expect(pidOf(ran()[1]!)).not.toBe(sparePid);
    await eventually(() => !alive(sparePid), 'the old spare exits', 30_000);
    go('2');
    expect(await waitForRun(ex, second)).toMatchObject({ ok: true });
    ex.retire?.();
  });
});
