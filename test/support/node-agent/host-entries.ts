import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostEntry } from './bwrap-argv.js';

/** The entries of a host directory as bwrap recreates them (dir, file or symlink with target). */
export async function hostEntries(dir: string): Promise<HostEntry[]> {
  const out: HostEntry[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    try {
      const st = await lstat(path);
      if (st.isSymbolicLink()) out.push({ name, type: 'symlink', target: await readlink(path) });
      else out.push({ name, type: st.isDirectory() ? 'dir' : 'file' });
    } catch {
      // vanished while listing
    }
  }
  return out;
}
