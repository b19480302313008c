import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** This checkout's `quickcd` command (built code: `npm test` builds first). */
export const QUICKCD_BIN = fileURLToPath(new URL('../../bin/quickcd.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunCliOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  readonly timeoutMs?: number;
  /** Called with the child once started (to send it signals). */
  readonly onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  /** Start it as a process-group leader (to signal the group, as a terminal's Ctrl-C does). */
  readonly detached?: boolean;
}

/** Runs `quickcd <args>` as a real process with a minimal environment. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [QUICKCD_BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    // Past the time limit the process is killed, and its output read so far is the answer even
    // when something it started still holds the pipes (a hang is then a failure that shows the
    // output, not a silent test timeout).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 1000).unref();
    }, options.timeoutMs ?? 60_000);
    options.onSpawn?.(child);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
