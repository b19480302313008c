import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BindMount } from './bwrap-argv.js';

/**
 * Creates, on the host side, the mount points that fall inside another mount (a private
 * directory or a volume): bwrap cannot create them itself where that mount is read-only
 * (`readOnlyRootFilesystem`'s /home, a read-only volume). A file mount gets an empty file.
 */
export async function makeMountTargets(
  containers: readonly BindMount[],
  targets: readonly BindMount[],
): Promise<void> {
  for (const t of targets) {
    const outer = containers
      .filter((m) => m !== t && t.containerPath.startsWith(`${m.containerPath}/`))
      .sort((a, b) => b.containerPath.length - a.containerPath.length)[0];
    if (!outer) continue;
    const hostTarget = join(outer.hostPath, t.containerPath.slice(outer.containerPath.length));
    const isDir = await stat(t.hostPath).then(
      (s) => s.isDirectory(),
      () => true,
    );
    if (isDir) {
      await mkdir(hostTarget, { recursive: true, mode: 0o755 });
    } else {
      await mkdir(dirname(hostTarget), { recursive: true, mode: 0o755 });
      await writeFile(hostTarget, '', { flag: 'a' });
    }
  }
}
