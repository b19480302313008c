import { spawn } from 'node:child_process';
// node:fs, not node:fs/promises: loading that costs every run's supervisor ~3 ms of CPU.
import { writeFile } from 'node:fs';
import { constants } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeRunResult } from '../common/encode-run-result.js';
import type { HandlerResult } from '../common/run-result.js';
import type { Lane } from '../handlers/registry.js';
import { killLeftoverProcesses, markRun } from './kill-leftover-processes.js';
import { SPARE_UNASSIGNED_EXIT, type SpareAssignment } from './spare-assignment.js';
import { runnerSnapshot } from './runner-snapshot-file.js';
import { SUPERVISED_ENV } from './supervised-env.js';

/** Where the bundle, and the runner's snapshot with it, lie: dist/bundle/ when built. */
const BUNDLE_DIR = dirname(fileURLToPath(import.meta.url));

/** How long a stuck runner gets after its handler's timeout, or after SIGTERM. */
export const STOP_GRACE_MS = 5000;

/** What the supervised runner tells its supervisor (over the IPC channel). */
export type RunnerProgress =
  | { type: 'started'; eventId: string; name: string; lane: Lane; timeoutSeconds: number }
  | { type: 'finished'; eventId: string; result: HandlerResult }
  /** A spare's child listens for its run (the handlers may still be loading). */
  | { type: 'spare-listening' };

export interface SuperviseOptions {
  /** Arguments of the runner (`runner --event …`). */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly resultFile?: string;
  readonly graceMs?: number;
  /**
   * A spare (`--spare`): the run it is given, or undefined when it is dropped. The child loads
   * the handlers meanwhile and gets the run over IPC; `resultFile` is the run's `result`.
   * Dropped: the child is killed and the status is {@link SPARE_UNASSIGNED_EXIT}.
   */
  readonly assignment?: Promise<SpareAssignment | undefined>;
  /** Where the supervisor says what it did (stderr). */
  readonly warn: (text: string) => void;
  /** The command, in what it says; default `quickcd runner`. */
  readonly name?: string;
  /**
   * Whether the run owns this process group (a Job's container, the local executor): its
   * other members die with it too. Default true; not for `quickcd run` in a terminal pipeline.
   */
  readonly ownGroup?: boolean;
}

/**
 * Runs `quickcd runner` in a child process and watches it, so that a handler that blocks the
 * event loop (a busy loop that ignores SIGTERM, a long synchronous call) cannot keep the run
 * alive: when the running handler passes its timeout, or the runner is told to stop (SIGTERM,
 * SIGINT: forwarded), and the child has not ended `graceMs` later, it is killed (SIGKILL), the
 * result file is written from what it had reported (the stuck handler failed), and what the
 * handlers left running is killed. Resolves with the exit status. Same under every executor,
 * and for `quickcd runner` run by hand.
 */
export function superviseRunner(options: SuperviseOptions): Promise<number> {
  const grace = options.graceMs ?? STOP_GRACE_MS;
  const name = options.name ?? 'quickcd runner';
  const marker = markRun(options.env);
  // From the runner's startup snapshot when it fits this Node.js (see runner-snapshot-file.ts):
  // the child then starts with its modules loaded.
  const snapshot = runnerSnapshot(BUNDLE_DIR, options.args[0] ?? '', process.execArgv, options.env);
  const node = snapshot.blob ? ['--snapshot-blob', snapshot.blob] : process.execArgv;
  const child = spawn(process.execPath, [...node, process.argv[1]!, ...options.args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...options.env, [SUPERVISED_ENV]: '1' },
  });
  let resultFile = options.resultFile;
  let eventId: string | undefined;
  // A spare dropped (its status): unassigned, or given a run it cannot read.
  let dropped: number | undefined;
  const results: HandlerResult[] = [];
  let running: { name: string; lane: Lane; startedAt: number } | undefined;
  let handlerTimer: NodeJS.Timeout | undefined;
  let stopTimer: NodeJS.Timeout | undefined;
  let killedFor: string | undefined;
  // Killed because the running handler overran its timeout (HANDLER_TIMEOUT).
  let timedOut = false;

  const killChild = (reason: string, timeout = false) => {
    if (killedFor !== undefined || child.exitCode !== null) return;
    killedFor = reason;
    timedOut = timeout;
    options.warn(`${name}: ${reason}: killing it\n`);
    child.kill('SIGKILL');
  };
  if (options.assignment) {
    let listening: () => void = () => {};
    const heard = new Promise<void>((resolve) => (listening = resolve));
    child.on('message', (message: RunnerProgress) => {
      if (message.type === 'spare-listening') listening();
    });
    options.assignment
      .then(async (run) => {
        if (run === undefined) {
          dropped = SPARE_UNASSIGNED_EXIT;
          child.kill('SIGKILL');
          return;
        }
        resultFile = run.result;
        await heard;
        child.send({ type: 'assign', run });
      })
      .catch((error: unknown) => {
        options.warn(`quickcd runner: ${(error as Error).message}\n`);
        dropped = 2;
        child.kill('SIGKILL');
      });
  }
  child.on('message', (message: RunnerProgress) => {
    if (message.type === 'spare-listening') return;
    eventId = message.eventId;
    if (message.type === 'started') {
      running = { name: message.name, lane: message.lane, startedAt: Date.now() };
      clearTimeout(handlerTimer);
      handlerTimer = setTimeout(
        () =>
          killChild(
            `handler ${message.name} did not stop within ${grace / 1000} s of its ${message.timeoutSeconds} s timeout (does it block the event loop?)`,
            true,
          ),
        message.timeoutSeconds * 1000 + grace,
      );
    } else {
      clearTimeout(handlerTimer);
      running = undefined;
      results.push(message.result);
    }
  });
  let forwarded: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    forwarded ??= signal;
    child.kill(signal);
    stopTimer ??= setTimeout(
      () =>
        killChild(
          `the runner did not stop within ${grace / 1000} s of ${signal}${running ? ` (handler ${running.name} blocks it?)` : ''}`,
        ),
      grace,
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  return new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(handlerTimer);
      clearTimeout(stopTimer);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (dropped !== undefined) return resolve(dropped);
      // Killed by a signal from outside (not ours): it may not have written its result.
      const diedOf = code === null && killedFor === undefined ? signal : undefined;
      if (diedOf) killedFor = `the runner was killed by ${diedOf}`;
      // Exited 0 inside a handler (its process.exit(0)): no result, yet a success status. That
      // handler failed; the result is written from what was reported, unless the runner wrote
      // its own (then only the last progress message was lost: its status stands). A non-zero
      // exit without a result already fails every handler, with the runner's last lines.
      const endedInside =
        killedFor === undefined &&
        code === 0 &&
        running !== undefined &&
        resultFile !== undefined &&
        eventId !== undefined;
      if (endedInside) {
        killedFor = `the runner exited with status 0 inside handler ${running!.name} before it finished (process.exit in a handler?)`;
      }
      // A run's own 75 must not read as an unassigned spare's (its wrapper records no status).
      if (killedFor === undefined) {
        return resolve(options.assignment && code === SPARE_UNASSIGNED_EXIT ? 1 : (code ?? 1));
      }
      const stuck: HandlerResult[] = running
        ? [
            {
              name: running.name,
              lane: running.lane,
              ok: false,
              durationMs: Date.now() - running.startedAt,
              error: endedInside ? killedFor : `killed: ${killedFor}`,
              code: timedOut ? 'HANDLER_TIMEOUT' : 'HANDLER_FAILED',
            },
          ]
        : [];
      // What the handlers left running goes before the result is written: a written result
      // is the end of the run for the local executor.
      killLeftoverProcesses({ ownGroup: options.ownGroup ?? true, marker });
      const written =
        resultFile && eventId !== undefined
          ? new Promise<void>((resolve, reject) =>
              writeFile(
                resultFile!,
                encodeRunResult({
                  eventId: eventId!,
                  results: [...results, ...stuck],
                  filterErrors: [],
                }),
                // A runner killed from outside may have written its own, complete result.
                { flag: diedOf || endedInside ? 'wx' : 'w' },
                (error) => (error ? reject(error) : resolve()),
              ),
            )
          : Promise.resolve();
      // With no result file (`quickcd run`), a run that died of the signal it was sent ends as
      // a process killed by it would: 130 for Ctrl-C, 143 for SIGTERM.
      const failed =
        resultFile === undefined && diedOf !== undefined && diedOf === forwarded
          ? 128 + constants.signals[diedOf]
          : 1;
      void written
        .then(
          () => failed,
          (error: unknown) => {
            const exists = (error as NodeJS.ErrnoException).code === 'EEXIST';
            if (endedInside && exists) return 0;
            if (!(diedOf && exists)) {
              options.warn(`${name}: writing the result failed: ${String(error)}\n`);
            }
            return 1;
          },
        )
        .then(resolve);
    });
  });
}
