import { chmod, chown, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { BIN_MOUNT, bwrapArgv, type BindMount } from './bwrap-argv.js';
import { containerArgv } from './container-command.js';
import type { ContainerUser } from './container-user.js';
import { hostEntries } from './host-entries.js';
import { makeMountTargets } from './make-mount-targets.js';
import { pathRewriter } from './path-rewriter.js';
import { rebuiltDirs, resolveMountPoint } from './rebuilt-dirs.js';

/** How the node agent isolates a container: see README.md. */
export type SandboxMode = 'bwrap' | 'remap';

/** What starting one container instance needs. */
export interface LaunchInput {
  readonly mode: SandboxMode;
  readonly pod: V1Pod;
  readonly container: V1Container;
  /** The container's env as the kubelet builds it (service variables, envFrom, env). */
  readonly env: Readonly<Record<string, string>>;
  readonly mounts: readonly BindMount[];
  /** Host directory of this container (private dirs, termination message file, remap root). */
  readonly dir: string;
  readonly user: ContainerUser | undefined;
  readonly quickcdCommand: readonly string[];
  readonly neededHostPaths: readonly string[];
  readonly binDir: string | undefined;
  readonly apiServer: { readonly host: string; readonly port: number };
}

/** A prepared container: what to spawn, and where its termination message lands. */
export interface ContainerLaunch {
  readonly file: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Host path of the file the container sees at terminationMessagePath. */
  readonly terminationMessageFile: string;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Thrown when the container has nothing this node can run (no command, foreign image). */
export class NoCommandError extends Error {
  override readonly name = 'NoCommandError';
}

function baseEnv(input: LaunchInput, binPath: string | undefined): Record<string, string> {
  return {
    PATH: binPath ? `${binPath}:${DEFAULT_PATH}` : DEFAULT_PATH,
    HOSTNAME: input.pod.metadata?.name ?? '',
    HOME: input.user ? '/' : '/root',
    ...input.env,
  };
}

function setpriv(user: ContainerUser | undefined): string[] {
  if (!user) return [];
  const groups = user.groups.length > 0 ? ['--groups', user.groups.join(',')] : ['--clear-groups'];
  return ['setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), ...groups];
}

async function owned(path: string, user: ContainerUser | undefined, mode: number): Promise<void> {
  await chmod(path, mode);
  if (user) await chown(path, user.uid, user.gid);
}

/**
 * Prepares one container instance on disk and says how to spawn it. `bwrap`: a fresh root of
 * read-only host directories, private writable /tmp, /var/tmp, /root and /home (read-only with
 * `readOnlyRootFilesystem`), volumes bound at their mount paths, the termination message file
 * at terminationMessagePath, as the container's user through setpriv. `remap`: no namespaces;
 * the mounts are symlinks under `<dir>/root`, container paths in command, args and env are
 * rewritten there, and KUBECONFIG points at the service-account token. Throws NoCommandError
 * when there is nothing to run.
 */
export async function prepareLaunch(input: LaunchInput): Promise<ContainerLaunch> {
  const { container, dir, user } = input;
  const tmPath = container.terminationMessagePath || '/dev/termination-log';
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const terminationMessageFile = join(dir, 'termination-log');
  await writeFile(terminationMessageFile, '');
  await owned(terminationMessageFile, user, 0o666);
  const workingDir = container.workingDir || '/';

  if (input.mode === 'bwrap') {
    const argv = containerArgv(container, input.env, input.quickcdCommand);
    if (!argv) throw new NoCommandError(noCommandMessage(container));
    const readOnly = container.securityContext?.readOnlyRootFilesystem === true;
    const privateDirs: BindMount[] = [];
    for (const [path, mode] of [
      ['/tmp', 0o1777],
      ['/var/tmp', 0o1777],
      ['/root', 0o755],
      ['/home', 0o755],
    ] as const) {
      const host = join(dir, 'fs', path.slice(1).replace('/', '-'));
      await mkdir(host, { recursive: true });
      await chmod(host, mode);
      privateDirs.push({ hostPath: host, containerPath: path, readOnly });
    }
    // bwrap's own /dev is a tmpfs: mount points in it are created there, not in the host's.
    const writable = ['/dev', ...[...privateDirs, ...input.mounts].map((m) => m.containerPath)];
    const resolve = (path: string) => resolveMountPoint(path, writable);
    const mountPoints = await Promise.all(input.mounts.map((m) => resolve(m.containerPath)));
    const tmPoint = await resolve(tmPath);
    const workPoint = await resolve(workingDir);
    const volumeMounts = input.mounts.map((m, i) => ({
      ...m,
      containerPath: mountPoints[i]?.path ?? m.containerPath,
    }));
    const terminationMessage = {
      hostPath: terminationMessageFile,
      containerPath: tmPoint.path,
      readOnly: false,
    };
    // The needed host paths a private directory hides (a checkout under /tmp) are bound back
    // there: their mount points too, since that directory may be read-only.
    const neededMounts = input.neededHostPaths.map((p) => ({
      hostPath: p,
      containerPath: p,
      readOnly: true,
    }));
    await makeMountTargets(
      [...privateDirs, ...volumeMounts],
      [...volumeMounts, terminationMessage, ...neededMounts],
    );
    const args = bwrapArgv({
      hostRoot: await hostEntries('/'),
      rebuiltDirs: await rebuiltDirs([...mountPoints, tmPoint, workPoint]),
      privateDirs,
      volumeMounts,
      terminationMessage,
      neededHostPaths: input.neededHostPaths,
      ...(input.binDir ? { binDir: input.binDir } : {}),
      hostname: input.pod.metadata?.name ?? 'pod',
      workingDir: workPoint.path,
      ...(user ? { user } : {}),
      argv,
    });
    const env = baseEnv(input, input.binDir ? BIN_MOUNT : undefined);
    return { file: 'bwrap', args, env, cwd: dir, terminationMessageFile };
  }

  const root = join(dir, 'root');
  await mkdir(join(root, 'tmp'), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  for (const m of input.mounts) {
    const link = join(root, m.containerPath);
    await mkdir(dirname(link), { recursive: true });
    await rm(link, { recursive: true, force: true });
    await symlink(m.hostPath, link);
  }
  const tmLink = join(root, tmPath);
  await mkdir(dirname(tmLink), { recursive: true });
  await symlink(terminationMessageFile, tmLink);
  const rewrite = pathRewriter(root, [...input.mounts.map((m) => m.containerPath), tmPath, '/tmp']);
  const remapped: V1Container = {
    ...container,
    ...(container.command ? { command: container.command.map(rewrite) } : {}),
    ...(container.args ? { args: container.args.map(rewrite) } : {}),
  };
  const argv = containerArgv(remapped, input.env, input.quickcdCommand);
  if (!argv) throw new NoCommandError(noCommandMessage(container));
  const env = baseEnv(input, input.binDir);
  for (const [k, v] of Object.entries(env)) env[k] = k === 'PATH' ? v : rewrite(v);
  const sa = input.mounts.find((m) => m.containerPath === SERVICE_ACCOUNT_DIR);
  if (sa && env.KUBECONFIG === undefined) {
    env.KUBECONFIG = join(dir, 'kubeconfig');
    await writeFile(env.KUBECONFIG, inClusterKubeconfig(input, sa.hostPath));
  }
  const cwd = join(root, workingDir);
  await mkdir(cwd, { recursive: true });
  const priv = setpriv(user);
  const [file = '', ...args] = [...priv, ...argv];
  return { file, args, env, cwd, terminationMessageFile };
}

function noCommandMessage(container: V1Container): string {
  return (
    `failed to start container "${container.name}": no command specified and image ` +
    `"${container.image ?? ''}" is not quickcd's: the quickcd node agent does not pull images, ` +
    `it runs a container's explicit command (or quickcd for quickcd images) on this machine`
  );
}

function inClusterKubeconfig(input: LaunchInput, saDir: string): string {
  const { host, port } = input.apiServer;
  const namespace = input.pod.metadata?.namespace ?? 'default';
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'in-cluster',
        cluster: {
          server: `https://${host}:${port}`,
          'certificate-authority': join(saDir, 'ca.crt'),
        },
      },
    ],
    users: [{ name: 'sa', user: { tokenFile: join(saDir, 'token') } }],
    contexts: [{ name: 'in-cluster', context: { cluster: 'in-cluster', user: 'sa', namespace } }],
    'current-context': 'in-cluster',
  });
}
