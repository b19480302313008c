import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ContainerLaunch, SandboxMode } from './container-launch.js';
import type { ContainerLog } from './container-log.js';

/** How a container process ended. */
export interface ProcessExit {
  readonly exitCode: number;
  /** Set when the process never ran its command (exec failed): the kubelet's `StartError`. */
  readonly startError?: string;
}

/** A running container: its own process group, signalled as a whole. */
export interface ContainerProcess {
  /** Resolves once the container's command started (its pid known), or it failed to. */
  readonly started: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  /** Sends `signal` to the container's process group (the command and everything it started). */
  signal(signal: NodeJS.Signals): void;
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

const EXEC_FAILED = /^(bwrap: execvp |setpriv: failed to execute |bwrap: Can't )/;

/**
 * Spawns a prepared container with stdout and stderr into `log`. In `bwrap` mode bwrap is the
 * direct child; `--new-session` makes the container command a process group of its own, whose
 * pid bwrap reports on fd 3, and bwrap exits with the command's status (128+n for a signal).
 * In `remap` mode the command is the direct child, leading its own process group. When the
 * command exits, whatever is left of its group is killed (PID 1 gone: the container is gone).
 */
export function startContainerProcess(
  mode: SandboxMode,
  launch: ContainerLaunch,
  log: ContainerLog,
): ContainerProcess {
  const child = spawn(launch.file, launch.args, {
    cwd: launch.cwd,
    env: launch.env,
    detached: true,
    stdio: mode === 'bwrap' ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['ignore', 'pipe', 'pipe'],
  });
  let groupPid: number | undefined = mode === 'remap' ? child.pid : undefined;
  let head = '';
  const record = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
    if (head.length < 512) head += d.toString();
    log.write(stream, d);
  };
  child.stdout?.on('data', record('stdout'));
  child.stderr?.on('data', record('stderr'));

  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  if (mode === 'bwrap') {
    let status = '';
    (child.stdio[3] as Readable | null)?.on('data', (d: Buffer) => {
      status += d.toString();
      const m = /"child-pid": (\d+)/.exec(status);
      if (m && groupPid === undefined) {
        groupPid = Number(m[1]);
        markStarted();
      }
    });
  } else {
    child.on('spawn', markStarted);
  }

  const exited = new Promise<ProcessExit>((resolve) => {
    let spawnError: string | undefined;
    child.on('error', (e) => {
      spawnError = `failed to start container process: exec: "${launch.file}": ${e.message}`;
    });
    child.on('exit', () => {
      signalGroup(groupPid, 'SIGKILL');
      signalGroup(child.pid, 'SIGKILL');
    });
    child.on('close', (code, signal) => {
      markStarted();
      log.end();
      const exitCode = code ?? (signal === 'SIGKILL' ? 137 : 143);
      if (spawnError) return resolve({ exitCode: 128, startError: spawnError });
      const firstLine = head.split('\n')[0] ?? '';
      if (exitCode !== 0 && EXEC_FAILED.test(firstLine) && head.trim() === firstLine.trim()) {
        return resolve({ exitCode: 128, startError: firstLine.trim() });
      }
      resolve({ exitCode });
    });
  });

  return {
    started,
    exited,
    signal(signal) {
      if (groupPid !== undefined) signalGroup(groupPid, signal);
      else signalGroup(child.pid, signal);
      if (signal === 'SIGKILL') signalGroup(child.pid, signal);
    },
  };
}
