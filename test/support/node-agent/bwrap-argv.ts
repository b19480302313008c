import { posix } from 'node:path';

/** An entry of a host directory (of `/`, or of a directory that has to be rebuilt). */
export interface HostEntry {
  readonly name: string;
  /** A directory or file is bound read-only; a symlink (`bin -> usr/bin`) is recreated. */
  readonly type: 'dir' | 'file' | 'symlink';
  readonly target?: string;
}

/**
 * A host directory rebuilt as a tmpfs holding read-only binds of its entries: done where a
 * mount point has to be created in it (`/etc/quickcd/handlers` where the host has no
 * `/etc/quickcd`), since a read-only bind of the host's directory cannot get new entries.
 */
export interface RebuiltDir {
  readonly path: string;
  readonly entries: readonly HostEntry[];
}

/** A bind mount into the sandbox. */
export interface BindMount {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** Everything one container's bubblewrap sandbox is made of. */
export interface BwrapSandbox {
  readonly hostRoot: readonly HostEntry[];
  readonly rebuiltDirs: readonly RebuiltDir[];
  /** Top-level paths replaced by per-container writable directories (`/tmp`, `/root`, …). */
  readonly privateDirs: readonly BindMount[];
  /** Volume mounts, already resolved to host paths (with subPath). */
  readonly volumeMounts: readonly BindMount[];
  /** The termination message file: bound after the volumes, so it is never hidden. */
  readonly terminationMessage: BindMount;
  /** Host paths the process itself needs (this checkout, Node's prefix), re-bound if hidden. */
  readonly neededHostPaths: readonly string[];
  /** Bound read-only at BIN_MOUNT (first on PATH): readable by any user, wherever it lives. */
  readonly binDir?: string;
  readonly hostname: string;
  readonly workingDir: string;
  /** Run as this user through `setpriv` (after the mounts are made as root). */
  readonly user?: {
    readonly uid: number;
    readonly gid: number;
    readonly groups: readonly number[];
  };
  readonly argv: readonly string[];
}

/** Where binDir appears in every sandbox. */
export const BIN_MOUNT = '/.quickcd/bin';

/** Top-level host directories never bound from the host: bwrap makes /dev and /proc itself. */
const NOT_BOUND = new Set(['dev', 'proc']);

const under = (path: string, dir: string): boolean =>
  dir === '/' || path === dir || path.startsWith(`${dir}/`);

/**
 * The bwrap argv (without the `bwrap` itself) for one container. Order matters, each mount is
 * made on top of the ones before: the host's top-level directories (always read-only: the
 * host is not an overlay), the private writable directories, `/dev` and `/proc`, the rebuilt
 * directories (parents first), the volumes
 * (parents before children), the termination message file, the needed host paths that a mount
 * above hid, and binDir. `--new-session` puts the container in its own session and process
 * group (the node agent signals that group); `--json-status-fd 3` reports its pid and exit code.
 */
export function bwrapArgv(s: BwrapSandbox): string[] {
  const args: string[] = [];
  // bwrap creates missing parents of a mount point with mode 0700: make them 0755 first.
  const parents = (path: string): void => {
    const parts = path.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      args.push('--perms', '0755', '--dir', `/${parts.slice(0, i).join('/')}`);
    }
  };
  const bind = (m: BindMount): void => {
    parents(m.containerPath);
    args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.containerPath);
  };
  const privateTop = new Set(s.privateDirs.map((m) => m.containerPath));
  const entries = (
    dir: string,
    list: readonly HostEntry[],
    skip: (path: string) => boolean,
  ): void => {
    for (const e of list) {
      const path = posix.join(dir, e.name);
      if (skip(path)) continue;
      if (e.type === 'symlink') args.push('--symlink', e.target ?? '', path);
      else args.push('--ro-bind', path, path);
    }
  };
  entries('/', s.hostRoot, (p) => NOT_BOUND.has(p.slice(1)) || privateTop.has(p));
  for (const m of s.privateDirs) bind(m);
  args.push('--dev', '/dev', '--proc', '/proc');
  const byDepth = (path: string): number => path.split('/').length;
  for (const d of [...s.rebuiltDirs].sort((a, b) => byDepth(a.path) - byDepth(b.path))) {
    args.push('--tmpfs', d.path);
    entries(d.path, d.entries, () => false);
  }
  const volumes = [...s.volumeMounts].sort(
    (a, b) => byDepth(a.containerPath) - byDepth(b.containerPath),
  );
  for (const m of volumes) bind(m);
  bind(s.terminationMessage);
  const hiding = [...s.privateDirs, ...volumes, s.terminationMessage].map((m) => m.containerPath);
  for (const p of s.neededHostPaths) {
    if (hiding.some((d) => under(p, d))) bind({ hostPath: p, containerPath: p, readOnly: true });
  }
  if (s.binDir) bind({ hostPath: s.binDir, containerPath: BIN_MOUNT, readOnly: true });
  const workingDir = posix.normalize(s.workingDir).replace(/(.)\/+$/, '$1');
  if (workingDir !== '/') {
    parents(workingDir);
    args.push('--perms', '0755', '--dir', workingDir);
  }
  args.push(
    '--unshare-uts',
    '--hostname',
    s.hostname,
    '--chdir',
    workingDir,
    '--new-session',
    '--die-with-parent',
    '--json-status-fd',
    '3',
    '--',
  );
  if (s.user) {
    const { uid, gid, groups } = s.user;
    args.push('setpriv', '--reuid', String(uid), '--regid', String(gid));
    if (groups.length > 0) args.push('--groups', groups.join(','));
    else args.push('--clear-groups');
  }
  args.push(...s.argv);
  return args;
}
