import { spawn, type ChildProcess } from 'node:child_process';
import { QUICKCD_BIN, REPO_ROOT } from './run-cli.js';
import { eventually } from './eventually.js';

export interface SchedulerProcess {
  readonly child: ChildProcess;
  /** pino JSON lines written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** Resolves with the first log line whose `msg` is `msg` (and matches `fields`). */
  waitForLog(
    msg: string,
    fields?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `quickcd scheduler <args>` as a real process, logging JSON at debug. */
export function startSchedulerProcess(
  args: readonly string[],
  env: Record<string, string | undefined>,
): SchedulerProcess {
  const child = spawn(process.execPath, [QUICKCD_BIN, 'scheduler', ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      QUICKCD_LOG_LEVEL: 'debug',
      QUICKCD_LOG_FORMAT: 'json',
      // No HTTP server unless a test asks for one: parallel schedulers would share port 8080.
      QUICKCD_HTTP_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let buffer = '';
  let stderrText = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderrText += chunk;
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const matches = (line: Record<string, unknown>, msg: string, fields: Record<string, unknown>) =>
    line.msg === msg && Object.entries(fields).every(([k, v]) => line[k] === v);
  return {
    child,
    logs,
    exited,
    async waitForLog(msg, fields = {}, timeoutMs = 20_000) {
      try {
        return await eventually(
          () => {
            const found = logs.find((l) => matches(l, msg, fields));
            if (!found && (child.exitCode !== null || child.signalCode !== null)) {
              throw new Error(
                `the scheduler exited (${child.exitCode ?? child.signalCode}) before "${msg}"`,
              );
            }
            return found;
          },
          `log "${msg}"`,
          timeoutMs,
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\nscheduler stderr:\n${stderrText.slice(-4000)}`,
        );
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
