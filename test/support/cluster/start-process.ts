import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** A control-plane component running as a child process, its output in a log file. */
export interface ComponentProcess {
  readonly name: string;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The last `lines` lines of its log, for error messages. */
  tail(lines?: number): Promise<string>;
}

let pdeathsig: boolean | undefined;

/** Whether util-linux `setpriv --pdeathsig` works here (children die with the test process). */
function canUsePdeathsig(): boolean {
  pdeathsig ??= spawnSync('setpriv', ['--pdeathsig', 'KILL', 'true']).status === 0;
  return pdeathsig;
}

/**
 * Starts `binary args` with stdout and stderr appended to `logFile`. Where `setpriv` exists the
 * process gets a parent-death signal, so a test runner killed with SIGKILL leaves no etcd or
 * kube-apiserver behind.
 */
export function startProcess(
  name: string,
  binary: string,
  args: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
): ComponentProcess {
  const argv = canUsePdeathsig()
    ? ['setpriv', '--pdeathsig', 'KILL', '--', binary, ...args]
    : [binary, ...args];
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(argv[0] ?? binary, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (e) => resolve(`failed to start: ${e.message}`));
    child.once('close', (code, signal) => {
      log.end();
      resolve(signal ? `killed by ${signal}` : `exited with code ${String(code)}`);
    });
  });
  const tail = async (lines = 30): Promise<string> => {
    const text = await readFile(logFile, 'utf8').catch(() => '');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  };
  return {
    name,
    logFile,
    child,
    exited,
    tail,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
