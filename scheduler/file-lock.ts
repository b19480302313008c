import { open, rm, stat } from 'node:fs/promises';

const STALE_MS = 30_000;

/**
 * Runs `work` holding `<file>.lock`, an exclusive lock file shared by every process using the
 * same state directory (the scheduler and `quickcd retry|skip`). A lock older than 30 s was left
 * by a crashed process and is broken.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const deadline = Date.now() + 2 * STALE_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) await rm(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by another process`);
      else await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}
