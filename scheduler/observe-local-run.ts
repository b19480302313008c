import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lastLines } from '../common/last-lines.js';
import type { Logger } from '../common/logger.js';
import { parseRunResult } from '../common/run-result.js';
import type { Clock } from '../common/clock.js';
import type { Observation, RunOutcome } from './ports/executor.js';

/** How often a running local run is looked at: a killed process group notifies no one. */
export const LIVENESS_CHECK_MS = 2_000;
const KILL_GRACE_MS = 10_000;
/**
 * How long a run directory without a `pid` file may be starting: the wrapper writes the file
 * before it runs anything, so past this a run without one never started.
 */
const START_GRACE_MS = 30_000;

type Exit = number | 'vanished' | 'deadline' | 'never started';

/** The file's text, or undefined when it does not exist; any other error throws. */
async function readIfThere(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * What the run in `dir` is now, from its files and its process group: absent (no directory),
 * running, or finished. A run past its deadline is terminated here (its `deadline` marker
 * keeps the reason across restarts), as the Job controller does with `activeDeadlineSeconds`.
 */
export async function observeLocalRun(
  dir: string,
  name: string,
  timeoutMs: number,
  clock: Clock,
  log: Logger,
): Promise<Observation> {
  let made: number;
  try {
    const info = await stat(dir);
    made = info.birthtimeMs || info.ctimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw error;
  }
  const finished = async (exit: Exit): Promise<Observation> => ({
    state: 'finished',
    name,
    outcome: await outcome(dir, exit),
  });
  const deadline = (await readIfThere(join(dir, 'deadline'))) !== undefined;
  const exitCode = async () => {
    const text = await readIfThere(join(dir, 'exit-code'));
    return text === undefined ? undefined : Number(text.trim());
  };
  const code = await exitCode();
  if (code !== undefined) return finished(deadline ? 'deadline' : code);
  if (!deadline) {
    // The runner (or its supervisor) writes the result once every handler is done and what
    // they left running is killed: the run is over, though its processes may still be
    // exiting. Not waiting for them takes their teardown off the lane's next run.
    const text = await readIfThere(join(dir, 'result.json'));
    const results = text === undefined ? undefined : parseRunResult(text)?.results;
    if (results !== undefined) {
      return { state: 'finished', name, outcome: { ok: results.every((r) => r.ok), results } };
    }
  }
  const group = await readPid(dir);
  const now = clock.now().getTime();
  if (!group) {
    // Spawned a moment ago, or never (killed between making the directory and spawning).
    if (now - made > START_GRACE_MS) return finished('never started');
    return { state: 'running', name, lookAgainInMs: LIVENESS_CHECK_MS };
  }
  if (!alive(group.pid)) {
    // Every process of the group is gone, the wrapper too: it wrote exit-code, or never will.
    const late = await exitCode();
    return finished(deadline ? 'deadline' : (late ?? 'vanished'));
  }
  if (!deadline && now > group.startedAt + timeoutMs) {
    await writeFile(join(dir, 'deadline'), new Date(now).toISOString());
    log.warn({ dir }, 'runner passed its deadline: terminating it');
    kill(group.pid, 'SIGTERM');
    void clock.sleep(KILL_GRACE_MS).then(() => kill(group.pid, 'SIGKILL'));
  }
  return { state: 'running', name, lookAgainInMs: LIVENESS_CHECK_MS };
}

/** The run's process group and when it started, once the wrapper has written them. */
async function readPid(dir: string): Promise<{ pid: number; startedAt: number } | undefined> {
  try {
    const file = join(dir, 'pid');
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const pid = (JSON.parse(text) as { pid?: unknown }).pid;
    return typeof pid === 'number' && pid > 0 ? { pid, startedAt: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

async function outcome(dir: string, exit: Exit): Promise<RunOutcome> {
  const text = await readFile(join(dir, 'result.json'), 'utf8').catch(() => undefined);
  const results = text === undefined ? undefined : parseRunResult(text)?.results;
  let reason =
    exit === 'deadline'
      ? 'the runner passed its deadline (the handlers’ timeoutSeconds) and was terminated'
      : exit === 'vanished'
        ? 'the runner process ended without an exit status (killed?)'
        : exit === 'never started'
          ? 'the runner never started (the scheduler stopped while launching it)'
          : exit === 0
            ? undefined
            : results === undefined
              ? `the runner exited with status ${exit} before writing its result`
              : undefined;
  if (reason !== undefined && results === undefined) {
    // Its last words say why (a load error, a crash, a handler calling process.exit).
    const log = join(dir, 'output.log');
    const tail = await readFile(log, 'utf8').then(lastLines, () => '');
    reason += tail ? `; the last lines of ${log}:\n${tail}` : `; see ${log}`;
  }
  return { ok: exit === 0, results, ...(reason ? { reason } : {}) };
}

/** Whether any process of the run's group (the wrapper, the runner, its commands) lives. */
function alive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals the run's whole process group (the wrapper, the runner and its commands). */
function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
