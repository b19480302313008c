import { spawn, type ChildProcess } from 'node:child_process';
import { finished } from 'node:stream/promises';
import { callerFrames, type SourceLocation } from './caller-location.js';
import { CommandError } from './command-error.js';
import { commandGroups } from './command-groups.js';
import { buildCommand } from './shell-quote.js';

export interface ShellOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default 300 (5 minutes). */
  readonly timeoutSeconds?: number;
  /** Written to the command's stdin. */
  readonly input?: string;
  /** Do not stream output to stdout (it is still returned). */
  readonly quiet?: boolean;
}

/**
 * Runs commands with bash. As a tagged template every interpolated value is shell-quoted:
 * ``await sh`git checkout ${branch}` `` is safe whatever `branch` holds. Resolves with trimmed
 * stdout; rejects with a {@link CommandError} (exit code, stdout, stderr).
 */
export interface Shell {
  (strings: TemplateStringsArray, ...values: unknown[]): Promise<string>;
  /** A command line used as is: quote what you interpolate (see `shellQuote`). */
  (command: string, options?: ShellOptions): Promise<string>;
  /** The same shell with other defaults. */
  with(options: ShellOptions): Shell;
}

export interface CommandResult {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

/** Where a shell sends what commands print, and what it tells about them. */
export interface ShellHooks {
  /** Output as it arrives (already a string, not yet redacted). */
  readonly output?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  readonly onStart?: (command: string) => void;
  readonly onEnd?: (result: CommandResult) => void | Promise<void>;
  /** Aborting kills every command of this shell (its whole process group). */
  readonly signal?: AbortSignal;
}

export function createShell(defaults: ShellOptions = {}, hooks: ShellHooks = {}): Shell {
  const run = (first: TemplateStringsArray | string, ...rest: unknown[]): Promise<string> => {
    const tagged = typeof first !== 'string';
    const command = tagged ? buildCommand(first, rest) : first;
    const options = tagged ? defaults : { ...defaults, ...(rest[0] as ShellOptions | undefined) };
    // Captured now, while the caller is on the stack: a failure then points at its line.
    return runCommand(command, options, hooks, callerFrames());
  };
  return Object.assign(run, {
    with: (options: ShellOptions) => createShell({ ...defaults, ...options }, hooks),
  });
}

const KILL_GRACE_MS = 3000;
const DRAIN_MS = 1000;

async function runCommand(
  command: string,
  options: ShellOptions,
  hooks: ShellHooks,
  calledFrom: readonly SourceLocation[],
): Promise<string> {
  if (hooks.signal?.aborted) {
    throw new CommandError({
      calledFrom,
      command,
      exitCode: null,
      signal: 'SIGTERM',
      stdout: '',
      stderr: 'aborted before start',
      timedOut: false,
    });
  }
  hooks.onStart?.(command);
  const started = Date.now();
  const child = spawn('bash', ['-c', command], {
    cwd: options.cwd,
    env: options.env ? options.env : process.env,
    // Its own process group, so a timeout or shutdown kills everything it started.
    detached: true,
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (!options.quiet) hooks.output?.(chunk, 'stdout');
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (!options.quiet) hooks.output?.(chunk, 'stderr');
  });
  if (options.input !== undefined) child.stdin?.end(options.input);

  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = () => {
    signalGroup(child.pid, 'SIGTERM');
    killTimer ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
  };
  const timeout = setTimeout(
    () => {
      timedOut = true;
      killGroup();
    },
    (options.timeoutSeconds ?? 300) * 1000,
  );
  hooks.signal?.addEventListener('abort', killGroup, { once: true });

  commandGroups.add(child.pid ?? -1);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolve) => {
      child.on('error', (error) => {
        stderr += String(error.message);
        resolve([127, null]);
      });
      // 'exit', not 'close': a background job (`sleep 1000 &`) holds the pipes open forever.
      child.on('exit', (code, sig) => resolve([code, sig]));
    },
  );
  clearTimeout(timeout);
  hooks.signal?.removeEventListener('abort', killGroup);
  // The shell is gone; make sure nothing it left in its group lives on.
  signalGroup(child.pid, 'SIGKILL');
  commandGroups.delete(child.pid ?? -1);
  if (killTimer) clearTimeout(killTimer);
  await outputDrained(child);

  const result: CommandResult = {
    command,
    exitCode,
    signal,
    stdout,
    stderr,
    timedOut,
    durationMs: Date.now() - started,
  };
  await hooks.onEnd?.(result);
  if (exitCode !== 0) throw new CommandError({ ...result, calledFrom });
  return stdout.trim();
}

/** Waits until the output pipes are read to their end, or a moment when something escaped the group. */
async function outputDrained(child: ChildProcess): Promise<void> {
  const streams = [child.stdout, child.stderr].filter((s) => s !== null);
  await Promise.race([
    Promise.all(
      streams.map((s) => (s.readableEnded || s.destroyed ? Promise.resolve() : finished(s))),
    ),
    new Promise((r) => setTimeout(r, DRAIN_MS).unref()),
  ]).catch(() => {});
  for (const s of streams) s.destroy();
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
