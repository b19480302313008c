import { describe, expect, it } from 'vitest';
import { BIN_MOUNT, bwrapArgv, type BwrapSandbox } from '../../../support/node-agent/bwrap-argv.js';

const base: BwrapSandbox = {
  hostRoot: [
    { name: 'bin', type: 'symlink', target: 'usr/bin' },
    { name: 'dev', type: 'dir' },
    { name: 'etc', type: 'dir' },
    { name: 'proc', type: 'dir' },
    { name: 'tmp', type: 'dir' },
    { name: 'usr', type: 'dir' },
    { name: 'work', type: 'dir' },
  ],
  rebuiltDirs: [],
  privateDirs: [{ hostPath: '/pods/p/fs/tmp', containerPath: '/tmp', readOnly: false }],
  volumeMounts: [],
  terminationMessage: {
    hostPath: '/pods/p/termination-log',
    containerPath: '/dev/termination-log',
    readOnly: false,
  },
  neededHostPaths: [],
  hostname: 'p',
  workingDir: '/',
  argv: ['sh', '-c', 'true'],
};

/** The argv as [option, ...operands] groups, for readable assertions. */
function groups(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (a.startsWith('--') || out.length === 0) out.push(a);
    else out[out.length - 1] += ` ${a}`;
  }
  return out;
}

describe('bwrapArgv', () => {
  it('binds the host read-only, skips dev/proc and private dirs, then /dev, /proc and the termination file', () => {
    const g = groups(bwrapArgv(base));
    expect(g.slice(0, 9)).toEqual([
      '--symlink usr/bin /bin',
      '--ro-bind /etc /etc',
      '--ro-bind /usr /usr',
      '--ro-bind /work /work',
      '--bind /pods/p/fs/tmp /tmp',
      '--dev /dev',
      '--proc /proc',
      '--perms 0755',
      '--dir /dev',
    ]);
    expect(g).toContain('--bind /pods/p/termination-log /dev/termination-log');
    const dash = g.indexOf('--');
    expect(g.slice(dash - 6, dash)).toEqual([
      '--unshare-uts',
      '--hostname p',
      '--chdir /',
      '--new-session',
      '--die-with-parent',
      '--json-status-fd 3',
    ]);
    expect(bwrapArgv(base).slice(-4)).toEqual(['--', 'sh', '-c', 'true']);
  });

  it('mounts volumes parents first, read-only when asked, with 0755 parents', () => {
    const args = bwrapArgv({
      ...base,
      volumeMounts: [
        {
          hostPath: '/v/token',
          containerPath: '/run/secrets/kubernetes.io/serviceaccount',
          readOnly: true,
        },
        { hostPath: '/v/run', containerPath: '/run', readOnly: false },
      ],
    });
    const g = groups(args);
    const run = g.indexOf('--bind /v/run /run');
    const sa = g.indexOf('--ro-bind /v/token /run/secrets/kubernetes.io/serviceaccount');
    expect(run).toBeGreaterThan(-1);
    expect(sa).toBeGreaterThan(run);
    expect(g.slice(sa - 4, sa)).toEqual([
      '--perms 0755',
      '--dir /run/secrets',
      '--perms 0755',
      '--dir /run/secrets/kubernetes.io',
    ]);
  });

  it('re-binds a needed host path that a volume hides, and binDir at a fixed path', () => {
    const args = groups(
      bwrapArgv({
        ...base,
        neededHostPaths: ['/tmp/checkout', '/usr'],
        binDir: '/root/.cache/bin',
      }),
    );
    expect(args).toContain('--ro-bind /tmp/checkout /tmp/checkout');
    expect(args.filter((a) => a === '--ro-bind /usr /usr')).toHaveLength(1);
    expect(args).toContain(`--ro-bind /root/.cache/bin ${BIN_MOUNT}`);
  });

  it('rebuilds a host directory as tmpfs with its entries bound, and runs as the user via setpriv', () => {
    const args = bwrapArgv({
      ...base,
      rebuiltDirs: [
        {
          path: '/etc',
          entries: [
            { name: 'passwd', type: 'file' },
            { name: 'mtab', type: 'symlink', target: '../proc/self/mounts' },
          ],
        },
      ],
      user: { uid: 1000, gid: 1000, groups: [2000] },
      workingDir: '/work/x/',
    });
    const g = groups(args);
    const tmpfs = g.indexOf('--tmpfs /etc');
    expect(g.slice(tmpfs, tmpfs + 3)).toEqual([
      '--tmpfs /etc',
      '--ro-bind /etc/passwd /etc/passwd',
      '--symlink ../proc/self/mounts /etc/mtab',
    ]);
    expect(g).toContain('--chdir /work/x');
    expect(args.slice(args.indexOf('--') + 1)).toEqual([
      'setpriv',
      '--reuid',
      '1000',
      '--regid',
      '1000',
      '--groups',
      '2000',
      'sh',
      '-c',
      'true',
    ]);
  });
});
