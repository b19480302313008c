import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveMountPoint } from '../../../support/node-agent/rebuilt-dirs.js';

describe('resolveMountPoint', () => {
  it('resolves host symlinks and finds the directory where a mount point must be created', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mp-'));
    await mkdir(join(root, 'run'));
    await mkdir(join(root, 'var'));
    await symlink(join(root, 'run'), join(root, 'var', 'run'));
    expect(await resolveMountPoint(join(root, 'var/run/secrets/sa'), [])).toEqual({
      path: join(root, 'run/secrets/sa'),
      missingParent: join(root, 'run'),
    });
    expect(await resolveMountPoint(join(root, 'run'), [])).toEqual({ path: join(root, 'run') });
    // inside a writable mount (a volume, a private dir) bwrap creates what is missing itself
    expect(await resolveMountPoint(join(root, 'run/x/y'), [join(root, 'run')])).toEqual({
      path: join(root, 'run/x/y'),
    });
    // a new top-level entry goes into the sandbox's tmpfs root
    expect(await resolveMountPoint('/quickcd-no-such-dir/event', [])).toEqual({
      path: '/quickcd-no-such-dir/event',
    });
  });
});
