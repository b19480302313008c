import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { RebuiltDir } from './bwrap-argv.js';
import { hostEntries } from './host-entries.js';

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/**
 * The host directory in which a mount point for `target` would have to be created, or
 * undefined when none is needed: walks `target` from `/` over the host's filesystem (following
 * symlinks, as the sandbox will) until a component is missing. Paths at or below `writable`
 * (private directories and volumes: bwrap can create entries there) stop the walk.
 */
export async function missingParent(
  target: string,
  writable: readonly string[],
): Promise<string | undefined> {
  let parts = target.split('/').filter(Boolean);
  let dir = '/';
  for (let hops = 0; parts.length > 0 && hops < 64; hops++) {
    const next = posix.join(dir, parts[0] ?? '');
    if (writable.some((w) => under(next, w))) return undefined;
    let st;
    try {
      st = await lstat(next);
    } catch {
      return dir === '/' ? undefined : dir; // the tmpfs root takes any new entry
    }
    if (st.isSymbolicLink()) {
      const link = await readlink(next);
      const resolved = posix.resolve(dir, link);
      parts = [...resolved.split('/').filter(Boolean), ...parts.slice(1)];
      dir = '/';
      continue;
    }
    if (!st.isDirectory()) return undefined; // a file: bound over as it is
    dir = next;
    parts = parts.slice(1);
  }
  return undefined;
}

/** The host directories to rebuild as tmpfs so that every target's mount point can be made. */
export async function rebuiltDirs(
  targets: readonly string[],
  writable: readonly string[],
): Promise<RebuiltDir[]> {
  const dirs = new Set<string>();
  for (const t of targets) {
    const dir = await missingParent(t, writable);
    if (dir) dirs.add(dir);
  }
  return Promise.all([...dirs].map(async (path) => ({ path, entries: await hostEntries(path) })));
}
