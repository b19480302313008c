import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLockFileLeadership } from '../../../scheduler/lock-file-leadership.js';
import { tempDir } from '../../support/fixtures.js';

const log = pino({ level: 'silent' });

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid ?? 999_999;
}

describe('lock file leadership', () => {
  it('creates <stateDir>/scheduler.lock with pid, identity, startedAt; release removes it', async () => {
    const stateDir = tempDir();
    const leadership = createLockFileLeadership({ stateDir, identity: 'me', log });
    const signal = await leadership.acquire(new AbortController().signal);
    const lock = JSON.parse(readFileSync(join(stateDir, 'scheduler.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, identity: 'me' });
    expect(Date.parse(lock.startedAt)).not.toBeNaN();
    expect(signal.aborted).toBe(false);
    await leadership.release();
    expect(existsSync(join(stateDir, 'scheduler.lock'))).toBe(false);
  });

  it('takes over a lock whose process is gone', async () => {
    const stateDir = tempDir();
    const pid = await deadPid();
    writeFileSync(
      join(stateDir, 'scheduler.lock'),
      JSON.stringify({ pid, identity: 'dead', startedAt: '2026-01-01T00:00:00Z' }),
    );
    const leadership = createLockFileLeadership({ stateDir, identity: 'me', log, retryMs: 50 });
    await leadership.acquire(AbortSignal.timeout(5000));
    expect(JSON.parse(readFileSync(join(stateDir, 'scheduler.lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      identity: 'me',
    });
    await leadership.release();
  });

  it('waits while a live process holds the lock, until it is released', async () => {
    const stateDir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const lockPath = join(stateDir, 'scheduler.lock');
      const held = { pid: child.pid, identity: 'other', startedAt: new Date().toISOString() };
      writeFileSync(lockPath, JSON.stringify(held));
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
      const leadership = createLockFileLeadership({
        stateDir,
        identity: 'me',
        log: logger,
        retryMs: 50,
      });
      let acquired = false;
      const pending = leadership.acquire(AbortSignal.timeout(5000)).then((s) => {
        acquired = true;
        return s;
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(acquired).toBe(false);
      expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toEqual(held);
      const waiting = lines.filter((l) => l.includes('waiting for the scheduler lock'));
      expect(waiting).toHaveLength(1);
      expect(waiting[0]).toContain(`pid ${child.pid} (other)`);

      rmSync(lockPath);
      const signal = await pending;
      expect(signal.aborted).toBe(false);
      expect(JSON.parse(readFileSync(lockPath, 'utf8')).identity).toBe('me');
      await leadership.release();
    } finally {
      child.kill();
    }
  });

  it('treats a lock with our own pid that we do not hold as a leftover (pid reuse)', async () => {
    const stateDir = tempDir();
    writeFileSync(
      join(stateDir, 'scheduler.lock'),
      JSON.stringify({ pid: process.pid, identity: 'previous', startedAt: '2026-01-01T00:00:00Z' }),
    );
    const leadership = createLockFileLeadership({ stateDir, identity: 'me', log });
    await leadership.acquire(AbortSignal.timeout(5000));
    expect(JSON.parse(readFileSync(join(stateDir, 'scheduler.lock'), 'utf8')).identity).toBe('me');
    await leadership.release();
  });

  it('rejects when the caller aborts while waiting', async () => {
    const stateDir = tempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(
        join(stateDir, 'scheduler.lock'),
        JSON.stringify({ pid: child.pid, identity: 'other', startedAt: new Date().toISOString() }),
      );
      const leadership = createLockFileLeadership({ stateDir, identity: 'me', log, retryMs: 50 });
      const wait = new AbortController();
      setTimeout(() => wait.abort(new Error('shutting down')), 200);
      await expect(leadership.acquire(wait.signal)).rejects.toThrow('shutting down');
      expect(JSON.parse(readFileSync(join(stateDir, 'scheduler.lock'), 'utf8')).identity).toBe(
        'other',
      );
    } finally {
      child.kill();
    }
  });
});
