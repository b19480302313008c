import { readFileSync, readdirSync } from 'node:fs';
import { commandGroups } from '../handlers/command-groups.js';

/** The variable that marks every process a run starts (inherited, whatever its parent). */
export const RUN_MARKER_ENV = 'QUICKCD_RUN_MARKER';

/**
 * Gives this run a unique mark in `env` (default: this process's environment, so everything it
 * starts inherits it) and returns it. A process that leaves the handler's process group and
 * its parent (`setsid -f`, a double fork) still carries the mark, and so is found at the end.
 * Unique on the host: the process id and the monotonic clock in nanoseconds (a mark is no
 * secret, and `node:crypto` would cost the supervisor ~10 ms of CPU to load).
 */
export function markRun(env: NodeJS.ProcessEnv = process.env): string {
  const mark =
    env[RUN_MARKER_ENV] ??
    `${process.pid}-${process.hrtime.bigint().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  env[RUN_MARKER_ENV] = mark;
  return mark;
}

export interface KillLeftoverOptions {
  /**
   * Also kill the other members of this process's own group, except its ancestors (the
   * wrapper that records the exit status), when this process or its parent leads the group.
   * Right for `quickcd runner`, which owns its group in a Job or under the local executor;
   * not for `quickcd run` in a terminal pipeline.
   */
  readonly ownGroup: boolean;
  /** Also kill every process whose environment carries this run's mark ({@link markRun}). */
  readonly marker?: string;
}

/**
 * Kills (SIGKILL) what handlers left running: the process groups of their commands that
 * still live, every descendant of this process (children a handler spawned itself, and
 * theirs), with `ownGroup` the rest of this process's group, and with `marker` every process
 * that carries the run's mark — also one that left the group and was re-parented (`setsid`).
 * Returns the pids signalled. Linux only (`/proc`); elsewhere only the command groups are
 * killed. A process that empties its environment (`env -i`) and leaves the tree is not found.
 */
export function killLeftoverProcesses(options: KillLeftoverOptions): number[] {
  const killed: number[] = [];
  for (const group of commandGroups) {
    if (signal(-group)) killed.push(-group);
  }
  commandGroups.clear();
  const table = processTable();
  if (table.size === 0) return killed;
  const self = process.pid;
  const ancestors = new Set<number>();
  for (let pid = table.get(self)?.ppid; pid !== undefined && pid > 0; pid = table.get(pid)?.ppid) {
    if (ancestors.has(pid)) break;
    ancestors.add(pid);
  }
  const ownGroup = table.get(self)?.pgrp;
  // The group is the run's own only when this process or its launcher leads it (a Job's
  // container, the local executor's wrapper), not when it was started inside a larger job.
  const ours = options.ownGroup && (ownGroup === self || ownGroup === table.get(self)?.ppid);
  for (const [pid, info] of table) {
    if (pid === self || ancestors.has(pid)) continue;
    const inGroup = ours && info.pgrp === ownGroup;
    const ourTree = inGroup || descends(pid, self, table);
    if ((ourTree || (options.marker && carries(pid, options.marker))) && signal(pid)) {
      killed.push(pid);
    }
  }
  return killed;
}

interface ProcessInfo {
  readonly ppid: number;
  readonly pgrp: number;
}

function processTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(entry), { ppid: Number(fields[1]), pgrp: Number(fields[2]) });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function descends(pid: number, ancestor: number, table: Map<number, ProcessInfo>): boolean {
  const seen = new Set<number>();
  for (let p = table.get(pid)?.ppid; p !== undefined && p > 0; p = table.get(p)?.ppid) {
    if (p === ancestor) return true;
    if (seen.has(p)) return false;
    seen.add(p);
  }
  return false;
}

function carries(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .includes(`${RUN_MARKER_ENV}=${marker}`);
  } catch {
    return false; // gone, or not ours to read
  }
}

function signal(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}
