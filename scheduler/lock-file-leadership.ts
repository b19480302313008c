import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { QuickcdError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Leadership } from './ports/leadership.js';
import { systemClock, type Clock } from '../common/clock.js';

export interface LockFileLeadershipOptions {
  readonly stateDir: string;
  readonly identity: string;
  readonly log: Logger;
  /** How often a blocked acquire retries (default 1000 ms). */
  readonly retryMs?: number;
  readonly clock?: Clock;
}

/** Contents of `<stateDir>/scheduler.lock`. */
export interface LockInfo {
  readonly pid: number;
  readonly identity: string;
  readonly startedAt: string;
  readonly hostname?: string;
}

/** A lock file still empty after this long was left by a process that died while writing it. */
const UNWRITTEN_STALE_MS = 10_000;

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === code;
}

/** Whether the process holding `info` is gone (so the lock can be taken over). */
export function isStale(info: LockInfo, pid = process.pid, host = hostname()): boolean {
  // Another machine sharing the directory: its processes cannot be checked; assume alive.
  if (info.hostname !== undefined && info.hostname !== host) return false;
  // Our own pid, yet we do not hold it: left by an earlier process that had the same pid
  // (typical in containers, where the scheduler is often pid 1).
  if (info.pid === pid) return true;
  try {
    process.kill(info.pid, 0);
    return false;
  } catch (error) {
    return isErrno(error, 'ESRCH');
  }
}

/**
 * Leadership for the embedded store: an exclusive lock file `<stateDir>/scheduler.lock`
 * (created with O_EXCL) holding `{ pid, identity, startedAt }`. A lock of a dead process is
 * stale and taken over; a live holder makes acquire wait, retrying every second.
 */
export function createLockFileLeadership(options: LockFileLeadershipOptions): Leadership {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();
  const { stateDir, identity } = options;
  const path = join(stateDir, 'scheduler.lock');
  const log = options.log.child({ lock: path, identity });
  const retryMs = options.retryMs ?? 1000;
  let held: { info: LockInfo; controller: AbortController } | undefined;

  async function create(): Promise<LockInfo | undefined> {
    const info: LockInfo = {
      pid: process.pid,
      identity,
      startedAt: clock.now().toISOString(),
      hostname: hostname(),
    };
    let file;
    try {
      file = await open(path, 'wx');
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return undefined;
      throw new QuickcdError(
        'STORE_FAILED',
        `Cannot create the scheduler lock ${path}: ${errorMessage(error)}`,
        { path, cause: error },
      );
    }
    try {
      await file.writeFile(`${JSON.stringify(info)}\n`);
    } finally {
      await file.close();
    }
    return info;
  }

  /** The current holder, or undefined if the lock is gone; `stale` when it can be removed. */
  async function inspect(): Promise<{ info?: LockInfo; stale: boolean } | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
    try {
      const info = JSON.parse(text) as LockInfo;
      if (typeof info.pid !== 'number') throw new Error('no pid');
      return { info, stale: isStale(info) };
    } catch {
      // Being written right now, or garbage: stale only once it is old.
      const age = now() - (await stat(path).catch(() => ({ mtimeMs: now() }))).mtimeMs;
      return { stale: age > UNWRITTEN_STALE_MS };
    }
  }

  /** Removes a stale lock, under a short-lived takeover lock so two takers cannot collide. */
  async function takeOver(): Promise<void> {
    const guard = `${path}.takeover`;
    let file;
    try {
      file = await open(guard, 'wx');
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
      const age = now() - (await stat(guard).catch(() => ({ mtimeMs: now() }))).mtimeMs;
      if (age > UNWRITTEN_STALE_MS) await rm(guard, { force: true });
      return;
    }
    try {
      const again = await inspect();
      if (again?.stale) {
        log.warn({ holder: again.info }, 'taking over a stale scheduler lock');
        await rm(path, { force: true });
      }
    } finally {
      await file.close();
      await rm(guard, { force: true });
    }
  }

  return {
    async acquire(signal) {
      signal.throwIfAborted();
      if (held) return held.controller.signal;
      let logged = false;
      for (;;) {
        const info = await create();
        if (info) {
          held = { info, controller: new AbortController() };
          log.info('scheduler lock acquired');
          return held.controller.signal;
        }
        const current = await inspect();
        if (current?.stale) {
          await takeOver();
          continue;
        }
        if (current && !logged) {
          logged = true;
          log.info(
            { holder: current.info },
            `waiting for the scheduler lock held by ${current.info ? `pid ${current.info.pid} (${current.info.identity})` : 'another process'}`,
          );
        }
        await clock.sleep(retryMs, signal);
        signal.throwIfAborted();
      }
    },

    async release() {
      const mine = held;
      held = undefined;
      if (!mine) return;
      mine.controller.abort(new Error('leadership released'));
      const current = await inspect().catch(() => undefined);
      if (
        current?.info?.pid === mine.info.pid &&
        current.info.startedAt === mine.info.startedAt &&
        current.info.identity === mine.info.identity
      ) {
        await rm(path, { force: true });
        log.info('scheduler lock released');
      }
    },
  };
}
