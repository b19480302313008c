import { open, rm, stat } from 'node:fs/promises';
import { systemClock, type Clock } from '../common/clock.js';

const STALE_MS = 30_000;

/**
 * Runs `work` holding `<file>.lock`, an exclusive lock file shared by every process using the
 * same state directory (the scheduler and `quickcd retry|skip`). A lock older than 30 s was left
 * by a crashed process and is broken.
 */
export async function withFileLock<T>(
  file: string,
  work: () => Promise<T>,
  clock: Clock = systemClock,
): Promise<T> {
  const lock = `${file}.lock`;
  const now = () => clock.now().getTime();
  const deadline = now() + 2 * STALE_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) await rm(lock, { force: true });
      else if (now() > deadline) throw new Error(`${lock} is held by another process`);
      else await clock.sleep(10 + Math.random() * 20);
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}
