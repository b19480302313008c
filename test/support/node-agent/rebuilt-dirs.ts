import { lstat, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { RebuiltDir } from './bwrap-argv.js';
import { hostEntries } from './host-entries.js';

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** A mount point as bwrap has to be given it. */
export interface MountPoint {
  /** The path with the host's symlinks resolved (`/var/run/x` → `/run/x`): bwrap sets mounts
   * up before it pivots, when an absolute symlink would still point into the host. */
  readonly path: string;
  /** The host directory in which a missing component has to be created (rebuilt as tmpfs). */
  readonly missingParent?: string;
}

/**
 * Walks `target` over the host's filesystem as the sandbox will see it (host directories are
 * bound at the same paths), following symlinks, until a component is missing. Reaching a
 * directory at or below `writable` (private directories and volumes, where bwrap can create
 * entries) ends the walk; the tmpfs root takes any new top-level entry.
 */
export async function resolveMountPoint(
  target: string,
  writable: readonly string[],
): Promise<MountPoint> {
  let parts = target.split('/').filter(Boolean);
  let dir = '/';
  for (let hops = 0; parts.length > 0 && hops < 64; hops++) {
    if (dir !== '/' && writable.some((w) => under(dir, w))) break;
    const next = posix.join(dir, parts[0] ?? '');
    let st;
    try {
      st = await lstat(next);
    } catch {
      return { path: posix.join(dir, ...parts), ...(dir === '/' ? {} : { missingParent: dir }) };
    }
    if (st.isSymbolicLink()) {
      const resolved = posix.resolve(dir, await readlink(next));
      parts = [...resolved.split('/').filter(Boolean), ...parts.slice(1)];
      dir = '/';
      continue;
    }
    dir = next;
    parts = parts.slice(1);
    if (!st.isDirectory()) break; // a file: bound over as it is
  }
  return { path: posix.join(dir, ...parts) };
}

/** The host directories to rebuild as tmpfs so that every mount point can be created. */
export async function rebuiltDirs(points: readonly MountPoint[]): Promise<RebuiltDir[]> {
  const dirs = new Set<string>();
  for (const p of points) if (p.missingParent) dirs.add(p.missingParent);
  return Promise.all([...dirs].map(async (path) => ({ path, entries: await hostEntries(path) })));
}
