import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QuickcdError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { systemClock, type Clock } from '../common/clock.js';
import { runName as jobName } from './run-name.js';
import { matchedHandlers } from './matched-handlers.js';
import { observeLocalRun } from './observe-local-run.js';
import { createSpareRunners } from './local-spare.js';
import type { Executor, LaunchSpec } from './ports/executor.js';

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
  readonly clock?: Clock;
  /**
   * Keep a warm spare runner (started after each launch, handlers loaded) for the next launch:
   * the run then does not wait for a Node process to start. Default false.
   */
  readonly spare?: boolean;
}

const DEFAULT_BIN = fileURLToPath(new URL('../../bin/quickcd.js', import.meta.url));

/**
 * The embedded executor: `quickcd runner` as a local child process with the inputs a Job gets.
 * The child runs in its own process group and outlives a crashed scheduler; its exit status is
 * written to a file by a tiny shell wrapper, so a restarted scheduler observes the run by its
 * deterministic name instead of launching it again. The run directory is made before anything
 * is spawned, and a directory that exists is a run that may have started: it is observed (its
 * process group, written by the wrapper into `pid` before it runs anything, and its
 * `exit-code`), never launched again. Changes are notified by the exit of a child of this
 * process and by a watch of each running run's directory; a run killed with its group
 * notifies no one, so a running run asks for another look every couple of seconds. With
 * `spare`, a launch takes the warm spare runner instead of spawning (scheduler/local-spare.ts):
 * the same directory, files and wrapper, without waiting for Node to start.
 */
export function createLocalExecutor(options: LocalExecutorOptions): Executor {
  const runsDir = join(options.stateDir, 'runs');
  const clock = options.clock ?? systemClock;
  const runDir = (name: string) => join(runsDir, name);
  const nameOf = (spec: LaunchSpec) =>
    jobName(spec.event.repo, spec.event.id, spec.lane, spec.attempt);
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  // A watch of each run seen running: its result or exit-code file appearing is a change.
  const watchers = new Map<string, FSWatcher>();
  const watchRun = (name: string) => {
    if (watchers.has(name)) return;
    try {
      const watcher = watch(runDir(name), (_t, file) => {
        if (file === 'exit-code' || file === 'result.json') notify();
      });
      // Without the watch (inotify limits) the periodic look still sees the end.
      watcher.on('error', (error) => {
        options.log.debug({ run: name, err: error.message }, 'watch failed');
        unwatch(name);
      });
      watcher.unref();
      watchers.set(name, watcher);
    } catch (error) {
      options.log.debug({ run: name, err: error }, 'cannot watch the run');
    }
  };
  const unwatch = (name: string) => {
    watchers.get(name)?.close();
    watchers.delete(name);
  };
  const quickcdBin = options.quickcdBin ?? DEFAULT_BIN;
  const spares = options.spare
    ? createSpareRunners({
        dir: join(options.stateDir, 'spares'),
        handlersFile: options.handlersFile,
        quickcdBin,
        env: options.env,
        log: options.log,
        now: () => clock.now().getTime(),
      })
    : undefined;

  return {
    async observe(spec) {
      const name = nameOf(spec);
      const seen = await observeLocalRun(
        runDir(name),
        name,
        spec.timeoutSeconds * 1000,
        clock,
        options.log,
      );
      if (seen.state === 'running') watchRun(name);
      else unwatch(name);
      return seen;
    },

    subscribe(onChange) {
      listeners.add(onChange);
      return () => {
        listeners.delete(onChange);
        if (listeners.size === 0) for (const name of [...watchers.keys()]) unwatch(name);
      };
    },

    async release(spec) {
      unwatch(nameOf(spec));
    },

    retire() {
      spares?.discard();
    },

    async launch(spec) {
      const name = nameOf(spec);
      const dir = runDir(name);
      try {
        await mkdir(runsDir, { recursive: true });
        await mkdir(dir);
      } catch (error) {
        // Launched before a restart (or by a scheduler killed before it knew): observe it.
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { name, adopted: true };
        // Nothing was made: certainly not started.
        return { name, refused: launchFailed(name, error).message };
      }
      // The lane's handlers as matched when the event was stored: no filter runs again.
      const matched = matchedHandlers(spec);
      const run = {
        event: join(dir, 'event.json'),
        lane: spec.lane,
        result: join(dir, 'result.json'),
        ...(spec.completed.length ? { completed: spec.completed.join(',') } : {}),
        ...(matched.length > 0 ? { matched: matched.join(',') } : {}),
      };
      const writeEvent = () => writeFile(run.event, JSON.stringify(spec.event.event));
      try {
        const warm = await spares?.adopt(dir, run, writeEvent);
        if (warm) {
          warm.once('exit', notify);
          // Started after this run's: the next launch finds it waiting.
          spares?.prepare();
          return { name, adopted: false };
        }
        await writeEvent();
        const output = await open(join(dir, 'output.log'), 'a');
        const args = [
          quickcdBin,
          'runner',
          ...['--event', run.event, '--handlers', options.handlersFile],
          ...['--lane', run.lane, '--result', run.result],
          ...(run.completed ? ['--completed', run.completed] : []),
          ...(run.matched ? ['--matched', run.matched] : []),
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
        child.once('exit', notify);
        child.unref();
        spares?.prepare();
        return { name, adopted: false };
      } catch (error) {
        throw launchFailed(name, error);
      }
    },
  };
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
