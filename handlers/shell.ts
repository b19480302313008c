import { spawn, type ChildProcess } from 'node:child_process';
import { finished } from 'node:stream/promises';
import { callerFrames, type SourceLocation } from './caller-location.js';
import { CommandError } from './command-error.js';
import { commandGroups } from './command-groups.js';
import { buildCommand } from './shell-quote.js';
import { createBoundedOutput } from './bounded-output.js';

export interface ShellOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Default 300 (5 minutes). */
  readonly timeoutSeconds?: number;
  /** Written to the command's stdin. */
  readonly input?: string;
  /** Do not stream output to stdout (it is still returned). */
  readonly quiet?: boolean;
  /**
   * The most stdout (in characters) `sh` resolves with; default {@link MAX_STDOUT_CHARS}
   * (16 Mi). Past it the command still runs to its end and its output still streams, but `sh`
   * rejects with a {@link CommandError} (`outputTooLarge`) rather than keep it all in memory:
   * redirect large output to a file, or raise the limit.
   */
  readonly maxStdoutChars?: number;
}

/** Default of {@link ShellOptions.maxStdoutChars}: 16 Mi characters. */
export const MAX_STDOUT_CHARS = 16 * 1024 * 1024;
/** What a {@link CommandResult} keeps of each stream: its first and its last characters. */
export const OUTPUT_HEAD_CHARS = 64 * 1024;
export const OUTPUT_TAIL_CHARS = 256 * 1024;

/**
 * Runs commands with bash. As a tagged template every interpolated value is shell-quoted:
 * ``await sh`git checkout ${branch}` `` is safe whatever `branch` holds. Resolves with trimmed
 * stdout (at most `maxStdoutChars`); rejects with a {@link CommandError} (exit code, stdout,
 * stderr: their first 64 Ki and last 256 Ki characters).
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
  /** The first 64 Ki and the last 256 Ki characters (the full output streamed as it came). */
  readonly stdout: string;
  readonly stderr: string;
  /** Stdout passed `maxStdoutChars`: `sh` rejects even if the command succeeded. */
  readonly outputTooLarge?: boolean;
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
  // Memory stays bounded whatever a command prints: what sh returns up to its limit, and a
  // head and tail of each stream for results, errors and logs.
  const maxStdout = options.maxStdoutChars ?? MAX_STDOUT_CHARS;
  let returned: string[] | undefined = [];
  let returnedLength = 0;
  const stdoutKept = createBoundedOutput(OUTPUT_HEAD_CHARS, OUTPUT_TAIL_CHARS);
  const stderrKept = createBoundedOutput(OUTPUT_HEAD_CHARS, OUTPUT_TAIL_CHARS);
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdoutKept.append(chunk);
    if (returned) {
      returnedLength += chunk.length;
      if (returnedLength > maxStdout) returned = undefined;
      else returned.push(chunk);
    }
    if (!options.quiet) hooks.output?.(chunk, 'stdout');
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderrKept.append(chunk);
    if (!options.quiet) hooks.output?.(chunk, 'stderr');
  });
  let spawnError = '';
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
        spawnError = String(error.message);
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

  const outputTooLarge = returned === undefined;
  const result: CommandResult = {
    command,
    exitCode,
    signal,
    stdout: stdoutKept.text(),
    stderr: stderrKept.text() + spawnError,
    ...(outputTooLarge ? { outputTooLarge } : {}),
    timedOut,
    durationMs: Date.now() - started,
  };
  await hooks.onEnd?.(result);
  if (exitCode !== 0 || outputTooLarge) {
    throw new CommandError({ ...result, calledFrom, ...(outputTooLarge ? { maxStdout } : {}) });
  }
  return (returned ?? []).join('').trim();
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
