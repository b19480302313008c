import { spawn, type ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuickcdError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { lastLines } from '../common/last-lines.js';
import { parseRunResult } from '../common/run-result.js';
import { runName as jobName } from './run-name.js';
import type { Executor, LaunchSpec, RunOutcome } from './ports/executor.js';

export interface LocalExecutorOptions {
  /** Runs live in `<stateDir>/runs/<name>/`: event.json, pid, output.log, result.json, exit-code. */
  readonly stateDir: string;
  /** The handlers file the scheduler loaded (absolute path). */
  readonly handlersFile: string;
  /** Environment of the runner (the GitHub credentials, cluster id…). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** The quickcd command; default: this checkout's bin/quickcd.js. */
  readonly quickcdBin?: string;
}

const DEFAULT_BIN = fileURLToPath(new URL('../../bin/quickcd.js', import.meta.url));
const KILL_GRACE_MS = 10_000;
const LIVENESS_CHECK_MS = 2_000;
/**
 * How long a run directory without a `pid` file may be starting: the wrapper writes the file
 * before it runs anything, so past this a run without one never started.
 */
const START_GRACE_MS = 30_000;

/**
 * The embedded executor: `quickcd runner` as a local child process with the inputs a Job gets.
 * The child runs in its own process group and outlives a crashed scheduler; its exit status is
 * written to a file by a tiny shell wrapper, so a restarted scheduler finds the run by its
 * deterministic name and waits for it instead of launching it again. The run directory is made
 * before anything is spawned, and a directory that exists is a run that may have started: it is
 * observed (its process group, written by the wrapper into `pid` before it runs anything, and
 * its `exit-code`), never launched again.
 */
export function createLocalExecutor(options: LocalExecutorOptions): Executor {
  const runsDir = join(options.stateDir, 'runs');
  const children = new Map<string, ChildProcess>();
  const runDir = (name: string) => join(runsDir, name);
  const nameOf = (spec: LaunchSpec) =>
    jobName(spec.event.repo, spec.event.id, spec.lane, spec.attempt);

  async function exists(name: string): Promise<boolean> {
    return stat(runDir(name)).then(
      () => true,
      () => false,
    );
  }

  return {
    async find(spec) {
      const name = nameOf(spec);
      return (await exists(name)) ? { name, adopted: true } : undefined;
    },

    async launch(spec) {
      const name = nameOf(spec);
      const dir = runDir(name);
      await mkdir(runsDir, { recursive: true });
      try {
        await mkdir(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw launchFailed(name, error);
        // Launched before a restart (or by a scheduler killed before it knew): observe it.
        return { name, adopted: true };
      }
      try {
        await writeFile(join(dir, 'event.json'), JSON.stringify(spec.event.event));
        const output = await open(join(dir, 'output.log'), 'a');
        const args = [
          options.quickcdBin ?? DEFAULT_BIN,
          'runner',
          ...['--event', join(dir, 'event.json'), '--handlers', options.handlersFile],
          ...['--lane', spec.lane, '--result', join(dir, 'result.json')],
          ...(spec.completed.length ? ['--completed', spec.completed.join(',')] : []),
        ];
        const child = spawn(
          '/bin/sh',
          [
            '-c',
            // The group's pid is on disk before the runner starts: a restart always finds it.
            'echo "{\\"pid\\":$$}" > pid.tmp && mv pid.tmp pid || exit 1; "$@"; ' +
              'echo $? > exit-code.tmp && mv exit-code.tmp exit-code',
            'sh',
            process.execPath,
            ...args,
          ],
          {
            cwd: dir,
            detached: true,
            stdio: ['ignore', output.fd, output.fd],
            env: { ...options.env },
          },
        );
        await output.close();
        if (child.pid === undefined) {
          throw new Error(
            await new Promise<string>((r) => child.once('error', (e) => r(e.message))),
          );
        }
        children.set(name, child);
        child.once('exit', () => children.delete(name));
        child.unref();
        return { name, adopted: false };
      } catch (error) {
        throw launchFailed(name, error);
      }
    },

    async wait(launch, spec, signal) {
      const dir = runDir(launch.name);
      const exitCode = await waitForExit(
        dir,
        spec.timeoutSeconds * 1000,
        children.get(launch.name),
        signal,
        options.log,
      );
      return outcome(dir, exitCode);
    },
  };
}

type Exit = number | 'vanished' | 'deadline' | 'never started';

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

/** When the run directory was made (before anything was spawned in it). */
async function madeAt(dir: string): Promise<number> {
  return stat(dir).then(
    (info) => info.birthtimeMs || info.ctimeMs,
    () => 0,
  );
}

/** Resolves with the runner's exit status, watching the run directory for the exit-code file. */
function waitForExit(
  dir: string,
  timeoutMs: number,
  child: ChildProcess | undefined,
  signal: AbortSignal,
  log: Logger,
): Promise<Exit> {
  return new Promise<Exit>((resolve, reject) => {
    let killedForDeadline = false;
    let group: { pid: number; startedAt: number } | undefined;
    const check = async () => {
      const code = await readFile(join(dir, 'exit-code'), 'utf8').then(
        (t) => Number(t.trim()),
        () => undefined,
      );
      if (code !== undefined) return finish(killedForDeadline ? 'deadline' : code);
      group ??= await readPid(dir);
      if (!group) {
        // Spawned a moment ago, or never (killed between making the directory and spawning).
        if (Date.now() - (await madeAt(dir)) > START_GRACE_MS) finish('never started');
        return;
      }
      const { pid } = group;
      const deadline = group.startedAt + timeoutMs;
      if (!alive(pid)) {
        // The wrapper writes exit-code after the runner; give the rename a moment.
        await new Promise((r) => setTimeout(r, 100));
        const late = await readFile(join(dir, 'exit-code'), 'utf8').catch(() => undefined);
        return finish(
          late === undefined ? (killedForDeadline ? 'deadline' : 'vanished') : Number(late.trim()),
        );
      }
      if (!killedForDeadline && Date.now() > deadline) {
        killedForDeadline = true;
        log.warn({ dir }, 'runner passed its deadline: terminating it');
        kill(pid, 'SIGTERM');
        setTimeout(() => kill(pid, 'SIGKILL'), KILL_GRACE_MS).unref();
      }
    };
    const watcher = watch(dir, (_t, name) => {
      if (name === 'exit-code') void check();
    });
    // Without the watch (inotify limits) the periodic check below still ends the wait.
    watcher.on('error', (error) => log.debug({ dir, err: error.message }, 'watch failed'));
    const timer = setInterval(() => void check(), LIVENESS_CHECK_MS);
    child?.once('exit', () => void check());
    const onAbort = () => {
      cleanup();
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      watcher.close();
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
    }
    function finish(exit: Exit) {
      cleanup();
      resolve(exit);
    }
    if (signal.aborted) onAbort();
    else void check();
  });
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

function launchFailed(name: string, cause: unknown): QuickcdError {
  return new QuickcdError(
    'EXECUTOR_FAILED',
    `cannot start the local runner ${name}: ${errorMessage(cause)}`,
    {
      launch: name,
      cause,
    },
  );
}
