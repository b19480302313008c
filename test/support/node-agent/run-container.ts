import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerEnv } from './container-env.js';
import { NoCommandError, prepareLaunch } from './container-launch.js';
import { createContainerLog, type ContainerLog } from './container-log.js';
import { containerMounts } from './container-mounts.js';
import { startContainerProcess, type ContainerProcess } from './container-process.js';
import { containerUser } from './container-user.js';
import type { NodeContext } from './node-context.js';
import { PodConfigError } from './pod-config-error.js';
import type { HostVolume } from './pod-volumes.js';
import { readTerminationMessage } from './read-termination-message.js';
import { rfc3339, type ContainerStatusJson, type TerminatedJson } from './status-json.js';

/** What running one container instance of a Pod needs from its worker. */
export interface ContainerRunScope {
  readonly ctx: NodeContext;
  readonly pod: V1Pod;
  readonly podDir: string;
  readonly volumes: ReadonlyMap<string, HostVolume>;
  /** Status changed: report it. */
  readonly report: () => void;
  /** True once nothing may start any more (deletion, deadline, stop). */
  readonly stopping: () => boolean;
  /** Resolves after `ms`, or early when the worker starts stopping. */
  readonly pause: (ms: number) => Promise<void>;
  readonly processes: Map<string, ContainerProcess>;
  readonly logs: Map<string, ContainerLog[]>;
}

/**
 * Runs one instance of `container` to its end, keeping `status` as the kubelet reports it:
 * waiting (`CreateContainerConfigError` while a Secret/ConfigMap is missing, retried every
 * second), running, terminated (exit code, reason Completed/Error/StartError, message from the
 * termination message file). Undefined when the worker stopped before the container started.
 */
export async function runContainer(
  scope: ContainerRunScope,
  container: V1Container,
  status: ContainerStatusJson,
  ready: boolean,
): Promise<TerminatedJson | undefined> {
  const { ctx, pod } = scope;
  const user = containerUser(pod, container);
  const dir = join(scope.podDir, 'containers', container.name);
  const containerID = `quickcd://${pod.metadata?.uid ?? ''}/${container.name}/${status.restartCount}`;
  let launch;
  for (;;) {
    if (scope.stopping()) return undefined;
    try {
      const env = await containerEnv({
        pod,
        container,
        sources: ctx.sources,
        apiServer: ctx.apiServer,
        allocatable: ctx.allocatable,
      });
      const mounts = await containerMounts(container, scope.volumes, env);
      launch = await prepareLaunch({
        mode: ctx.mode,
        pod,
        container,
        env,
        mounts,
        dir,
        user,
        quickcdCommand: ctx.quickcdCommand,
        neededHostPaths: ctx.neededHostPaths,
        binDir: ctx.binDir,
        apiServer: ctx.apiServer,
      });
      break;
    } catch (e) {
      const now = rfc3339(new Date());
      if (e instanceof NoCommandError) {
        return {
          exitCode: 128,
          reason: 'StartError',
          message: e.message,
          startedAt: now,
          finishedAt: now,
        };
      }
      if (!(e instanceof PodConfigError)) throw e;
      status.state = { waiting: { reason: e.code, message: e.message } };
      scope.report();
      await scope.pause(1000);
    }
  }
  const logDir = join(scope.podDir, 'logs', container.name);
  await mkdir(logDir, { recursive: true });
  const log = createContainerLog(join(logDir, `${status.restartCount}.log`));
  const instances = scope.logs.get(container.name) ?? [];
  scope.logs.set(container.name, [...instances.slice(-1), log]);
  const proc = startContainerProcess(ctx.mode, launch, log);
  scope.processes.set(container.name, proc);
  if (scope.stopping()) proc.signal('SIGTERM'); // stopping began while it was being spawned
  await proc.started;
  const startedAt = rfc3339(new Date());
  status.containerID = containerID;
  status.state = { running: { startedAt } };
  status.started = true;
  status.ready = ready;
  scope.report();
  const exit = await proc.exited;
  scope.processes.delete(container.name);
  const message =
    exit.startError ??
    (await readTerminationMessage({
      file: launch.terminationMessageFile,
      policy: container.terminationMessagePolicy,
      exitCode: exit.exitCode,
      logFile: log.file,
    }));
  const terminated: TerminatedJson = {
    exitCode: exit.exitCode,
    reason: exit.startError ? 'StartError' : exit.exitCode === 0 ? 'Completed' : 'Error',
    ...(message ? { message } : {}),
    startedAt,
    finishedAt: rfc3339(new Date()),
    containerID,
  };
  status.started = false;
  status.ready = false;
  return terminated;
}
