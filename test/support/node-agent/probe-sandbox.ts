import { execFile } from 'node:child_process';
import type { SandboxMode } from './container-launch.js';

/** The result of trying bubblewrap the way containers use it. */
export interface SandboxProbe {
  readonly mode: SandboxMode;
  /** Why bwrap is not used (its error output), when mode is `remap`. */
  readonly reason?: string;
}

/**
 * Tries bubblewrap with what every container needs (a tmpfs root with read-only binds and a
 * symlink, /dev, /proc, a world-writable tmpfs, a UTS namespace with a hostname, a new session, setpriv to
 * another user): `bwrap` when that works, else `remap` with the reason.
 */
export async function probeSandbox(): Promise<SandboxProbe> {
  const args = [
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--perms',
    '1777',
    '--tmpfs',
    '/tmp',
    '--unshare-uts',
    '--hostname',
    'probe',
    '--new-session',
    '--die-with-parent',
    '--',
    'setpriv',
    '--reuid',
    '65534',
    '--regid',
    '65534',
    '--clear-groups',
    '/bin/sh',
    '-c',
    'test "$(hostname)" = probe && test -w /tmp || echo "sandbox incomplete" >&2',
  ];
  return new Promise((resolve) => {
    execFile('bwrap', args, { timeout: 10_000 }, (error, _stdout, stderr) => {
      if (!error && stderr.trim() === '') resolve({ mode: 'bwrap' });
      else
        resolve({
          mode: 'remap',
          reason: stderr.trim() || (error?.message ?? 'unexpected output'),
        });
    });
  });
}
