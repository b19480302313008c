import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../common/logger.js';

/** Exit status of a spare that was never given a run (runner/spare-assignment.ts). */
const UNASSIGNED = 75;
/**
 * A spare older than this is not used (a fresh runner is): what it fetched when it started (a
 * GitHub App's installation token for git, valid an hour) must still be good for the run.
 */
export const SPARE_MAX_AGE_MS = 10 * 60_000;

/** What a spare is given: the per-event options of `quickcd runner` (absolute paths). */
export interface SpareRun {
  readonly event: string;
  readonly lane: string;
  readonly result: string;
  readonly completed?: string;
  readonly matched?: string;
}

export interface SpareRunners {
  /**
   * Makes the waiting spare the run in `dir` (an empty directory the caller just made): the
   * spare's directory replaces it, its `pid` is written, then `write` puts the run's inputs
   * in, then the spare is given `run`. Resolves with its wrapper process, or undefined when no
   * spare is ready (the caller spawns a runner as before; `dir` is untouched).
   */
  adopt(dir: string, run: SpareRun, write: () => Promise<void>): Promise<ChildProcess | undefined>;
  /** Starts a spare if none waits. */
  prepare(): void;
  /** Drops the waiting spare (its stdin closes: it exits without running anything). */
  discard(): void;
}

export interface SpareRunnerOptions {
  /** Spares wait in `<dir>/<id>/` (output.log), moved into the run directory when used. */
  readonly dir: string;
  readonly handlersFile: string;
  readonly quickcdBin: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Milliseconds now (the executor's clock). */
  readonly now: () => number;
}

interface Spare {
  readonly dir: string;
  readonly child: ChildProcess;
  readonly startedAt: number;
  exited: boolean;
}

/**
 * The local executor's warm spare: one `quickcd runner --spare` started ahead, with the SDK and
 * the handlers loaded, waiting on its stdin for its run, so that a launch does not wait for a
 * Node process to start. Its wrapper is the runs' wrapper (its exit status into `exit-code`),
 * except that a spare never given a run (stdin closed: this scheduler went away, or dropped
 * it) removes its `pid` and writes no status. It has no `pid` file before it is used, lives
 * outside `runs/`, and so is never observed or adopted as a run.
 */
export function createSpareRunners(options: SpareRunnerOptions): SpareRunners {
  let waiting: Spare | undefined;
  let starting = false;
  // Bumped by discard(): a spare still starting then is dropped when it has started.
  let generation = 0;
  const alive = (spare: Spare) =>
    !spare.exited && spare.child.exitCode === null && !existsSync(join(spare.dir, 'exit-code'));

  const start = async () => {
    const dir = join(options.dir, randomBytes(6).toString('hex'));
    await mkdir(dir, { recursive: true });
    const output = await open(join(dir, 'output.log'), 'a');
    const args = [options.quickcdBin, ...['runner', '--spare', '--handlers', options.handlersFile]];
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `"$@"; s=$?; if [ $s -eq ${UNASSIGNED} ]; then rm -f pid; exit 0; fi; ` +
          'echo $s > exit-code.tmp && mv exit-code.tmp exit-code',
        'sh',
        process.execPath,
        ...args,
      ],
      {
        cwd: dir,
        detached: true,
        stdio: ['pipe', output.fd, output.fd],
        env: { ...options.env },
      },
    );
    await output.close();
    // Its process group, for the clean-up of another executor on this state directory.
    if (child.pid !== undefined) await writeFile(join(dir, 'spare-pid'), String(child.pid));
    const spare: Spare = { dir, child, startedAt: options.now(), exited: false };
    child.stdin?.on('error', () => {});
    child.once('exit', () => {
      spare.exited = true;
      if (waiting === spare) {
        waiting = undefined;
        void rm(dir, { recursive: true, force: true });
      }
    });
    child.unref();
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    return spare;
  };

  const drop = (spare: Spare) => {
    spare.child.stdin?.end();
    // Its directory goes once it has exited (removed here now: it has nothing of a run's).
    void rm(spare.dir, { recursive: true, force: true });
  };

  void cleanLeftovers(options.dir, options.log);

  return {
    async adopt(dir, run, write) {
      const spare = waiting;
      if (spare === undefined || !alive(spare) || spare.child.pid === undefined) return undefined;
      waiting = undefined;
      if (options.now() - spare.startedAt > SPARE_MAX_AGE_MS) {
        drop(spare);
        return undefined;
      }
      try {
        await rename(spare.dir, dir);
      } catch (error) {
        options.log.debug({ err: error }, 'spare runner not used');
        drop(spare);
        return undefined;
      }
      // From here the directory is this run's. Should it not get its inputs, the spare's stdin
      // closes empty: it removes its pid and ends, and the run reads as never started.
      try {
        await writeFile(join(dir, 'pid.tmp'), JSON.stringify({ pid: spare.child.pid }));
        await rename(join(dir, 'pid.tmp'), join(dir, 'pid'));
        await write();
      } catch (error) {
        spare.child.stdin?.end();
        throw error;
      }
      spare.child.stdin?.end(JSON.stringify({ ...run, dir }));
      return spare.child;
    },

    prepare() {
      if (starting || (waiting !== undefined && alive(waiting))) return;
      starting = true;
      const started = generation;
      start().then(
        (spare) => {
          starting = false;
          if (started === generation) waiting = spare;
          else drop(spare);
        },
        (error: unknown) => {
          starting = false;
          options.log.warn({ err: error }, 'cannot start a spare runner');
        },
      );
    },

    discard() {
      generation += 1;
      const spare = waiting;
      waiting = undefined;
      if (spare) drop(spare);
    },
  };
}

/**
 * Spare directories left by an earlier executor or scheduler: removed once their process group
 * is gone (a live one may be another executor's on this state directory, and the spares of a
 * stopped scheduler exit on their own, stdin closed); one still starting (no `spare-pid` yet,
 * younger than a minute) is left alone.
 */
async function cleanLeftovers(dir: string, log: Logger): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const spare = join(dir, name);
    const pid = Number(await readFile(join(spare, 'spare-pid'), 'utf8').catch(() => ''));
    if (pid > 0 ? groupAlive(pid) : await startedRecently(spare)) continue;
    await rm(spare, { recursive: true, force: true }).catch((error: unknown) =>
      log.debug({ err: error }, 'cannot remove a spare directory'),
    );
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function startedRecently(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < 60_000;
}
