import { join } from 'node:path';
import { ApiException, type V1Container, type V1Pod } from '@kubernetes/client-node';
import type { ContainerLog } from './container-log.js';
import type { ContainerProcess } from './container-process.js';
import { volumeOwner } from './container-user.js';
import type { NodeContext } from './node-context.js';
import { NODE_IP } from './node-ip.js';
import { PodConfigError } from './pod-config-error.js';
import { podConditions } from './pod-conditions.js';
import { podPhase, type PodPhase } from './pod-phase.js';
import { materialiseVolumes, type HostVolume } from './pod-volumes.js';
import { runContainer, type ContainerRunScope } from './run-container.js';
import { requestServiceAccountToken } from './service-account-token.js';
import { createStatusReporter } from './status-reporter.js';
import { rfc3339, type ContainerStatusJson, type PodConditionJson } from './status-json.js';

/** The node agent's handle on one Pod it runs. */
export interface PodWorker {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
  /** Names of its init containers and containers. */
  readonly containerNames: readonly string[];
  /** The reason a container waits (`ContainerCreating`, `CreateContainerConfigError`, …). */
  waitingReason(container: string): string | undefined;
  /** The Pod's output per container: its instances, oldest first (the last two). */
  readonly logs: ReadonlyMap<string, readonly ContainerLog[]>;
  /** The Pod changed in the API (a deletionTimestamp starts graceful termination). */
  update(pod: V1Pod): void;
  /** The Pod object is gone: kill its containers now. */
  removed(): void;
  /** Kills every container now and waits for the worker to end (node agent stop). */
  stop(): Promise<void>;
  /** Resolves when the Pod ended and its final status is reported. */
  readonly done: Promise<void>;
}

const waitingStatus = (c: V1Container, reason: string): ContainerStatusJson => ({
  name: c.name,
  image: c.image ?? '',
  imageID: '',
  ready: false,
  started: false,
  restartCount: 0,
  state: { waiting: { reason } },
  lastState: {},
});

/**
 * Runs a Pod bound to this node as the kubelet does: volumes, then init containers in order,
 * then all containers, restarting per `restartPolicy` with a doubling back-off; status reported
 * at each step; `activeDeadlineSeconds` honoured. On a deletionTimestamp: SIGTERM to each
 * container's process group, SIGKILL after min(grace, maxGraceSeconds), the final status
 * reported, then the Pod deleted with grace 0 (finalizers, such as the Job controller's, are
 * left to their owners).
 */
export function startPodWorker(ctx: NodeContext, first: V1Pod): PodWorker {
  let pod = first;
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const uid = pod.metadata?.uid ?? '';
  const spec = pod.spec ?? { containers: [] };
  const podDir = join(ctx.workDir, `${namespace}_${name}_${uid}`);
  const restartPolicy = spec.restartPolicy ?? 'Always';
  const initSpecs = spec.initContainers ?? [];
  const init = initSpecs.map((c) => waitingStatus(c, 'PodInitializing'));
  const main = spec.containers.map((c) =>
    waitingStatus(c, initSpecs.length > 0 ? 'PodInitializing' : 'ContainerCreating'),
  );
  const processes = new Map<string, ContainerProcess>();
  const logs = new Map<string, ContainerLog[]>();
  const timers: NodeJS.Timeout[] = [];
  const startTime = rfc3339(new Date());
  let sandboxReady = false;
  let initDone = initSpecs.length === 0;
  let initFailed = false;
  let stopping = false;
  let deleting = false;
  let finished = false;
  let reported = false;
  let halted = false;
  let deadline: { reason: string; message: string } | undefined;
  let conditions: PodConditionJson[] = [];
  let reportedPhase: PodPhase | undefined;
  let wake: () => void = () => undefined;
  const woken = new Promise<void>((r) => (wake = r));

  const phaseNow = (): PodPhase => {
    if (reportedPhase === 'Succeeded' || reportedPhase === 'Failed') return reportedPhase;
    if (deadline && finished) return 'Failed';
    const deleted = deleting && finished;
    return podPhase({ restartPolicy, initDone, initFailed, containers: main, deleted });
  };
  const build = (): object => {
    const phase = phaseNow();
    conditions = podConditions({
      phase,
      sandboxReady,
      initDone,
      init,
      containers: main,
      previous: conditions,
      now: new Date(),
    });
    reportedPhase = phase;
    return {
      phase,
      conditions,
      hostIP: NODE_IP,
      hostIPs: [{ ip: NODE_IP }],
      podIP: NODE_IP,
      podIPs: [{ ip: NODE_IP }],
      startTime,
      ...(init.length > 0 ? { initContainerStatuses: init } : {}),
      containerStatuses: main,
      ...(deadline ?? {}),
    };
  };
  const reporter = createStatusReporter({ core: ctx.core, namespace, name, build, log: ctx.log });
  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      timers.push(t);
      void woken.then(() => {
        clearTimeout(t);
        resolve();
      });
    });

  const beginStopping = (graceSeconds: number): void => {
    if (stopping) return;
    stopping = true;
    wake();
    const grace = Math.max(0, Math.min(graceSeconds, ctx.maxGraceSeconds));
    for (const p of processes.values()) p.signal(grace === 0 ? 'SIGKILL' : 'SIGTERM');
    timers.push(
      setTimeout(() => {
        for (const p of processes.values()) p.signal('SIGKILL');
      }, grace * 1000),
    );
  };
  const deletePod = async (): Promise<void> => {
    if (reporter.gone) return;
    try {
      await ctx.core.deleteNamespacedPod({
        namespace,
        name,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
    } catch (e) {
      if (!(e instanceof ApiException && (e.code === 404 || e.code === 409))) {
        ctx.log(`pod ${namespace}/${name}: delete failed: ${String(e)}`);
      }
    }
  };
  const finish = async (): Promise<void> => {
    finished = true;
    for (const t of timers) clearTimeout(t);
    if (halted) return;
    reporter.report();
    await reporter.flush();
    reported = true;
    if (deleting) await deletePod();
  };

  const volumeMap = new Map<string, HostVolume>();
  const scope: ContainerRunScope = {
    ctx,
    pod,
    podDir,
    volumes: volumeMap,
    report: () => reporter.report(),
    stopping: () => stopping,
    pause,
    processes,
    logs,
  };

  const runMain = async (c: V1Container, status: ContainerStatusJson): Promise<void> => {
    let backoff = ctx.restartBackoffMs;
    for (;;) {
      const t = await runContainer(scope, c, status, true);
      if (!t) return;
      const restart =
        !stopping &&
        (restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && t.exitCode !== 0));
      if (!restart) {
        status.state = { terminated: t };
        reporter.report();
        return;
      }
      status.lastState = { terminated: t };
      status.restartCount++;
      status.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${c.name} pod=${name}_${namespace}(${uid})`,
        },
      };
      reporter.report();
      await pause(backoff);
      backoff = Math.min(backoff * 2, ctx.maxRestartBackoffMs);
    }
  };

  const runInit = async (): Promise<boolean> => {
    for (const [i, c] of initSpecs.entries()) {
      const status = init[i];
      if (!status) continue;
      let backoff = ctx.restartBackoffMs;
      for (;;) {
        const t = await runContainer(scope, c, status, false);
        if (!t) return false;
        status.state = { terminated: t };
        if (t.exitCode === 0) break;
        if (restartPolicy === 'Never' || stopping) {
          initFailed = restartPolicy === 'Never';
          return false;
        }
        status.lastState = { terminated: t };
        status.restartCount++;
        status.state = { waiting: { reason: 'CrashLoopBackOff' } };
        reporter.report();
        await pause(backoff);
        backoff = Math.min(backoff * 2, ctx.maxRestartBackoffMs);
      }
      reporter.report();
    }
    initDone = true;
    for (const s of main) s.state = { waiting: { reason: 'ContainerCreating' } };
    return true;
  };

  const run = async (): Promise<void> => {
    reporter.report();
    const deadlineSeconds = spec.activeDeadlineSeconds;
    if (deadlineSeconds !== undefined) {
      timers.push(
        setTimeout(() => {
          deadline = {
            reason: 'DeadlineExceeded',
            message: `Pod was active on the node longer than the specified deadline`,
          };
          beginStopping(spec.terminationGracePeriodSeconds ?? 30);
        }, deadlineSeconds * 1000),
      );
    }
    let volumes: Map<string, HostVolume> | undefined;
    while (!volumes && !stopping) {
      try {
        volumes = await materialiseVolumes(
          pod,
          join(podDir, 'volumes'),
          {
            sources: ctx.sources,
            token: (source) => requestServiceAccountToken(ctx.core, pod, source),
          },
          volumeOwner(pod),
        );
      } catch (e) {
        if (!(e instanceof PodConfigError)) throw e;
        for (const s of [...init, ...main])
          s.state = { waiting: { reason: e.code, message: e.message } };
        reporter.report();
        await pause(1000);
      }
    }
    if (volumes) {
      for (const [k, v] of volumes) volumeMap.set(k, v);
      sandboxReady = true;
      if (await runInit()) {
        await Promise.all(
          spec.containers.map((c, i) => runMain(c, main[i] ?? waitingStatus(c, ''))),
        );
      }
    }
    await finish();
  };

  const done = run().catch((e: unknown) => {
    ctx.log(`pod ${namespace}/${name}: worker failed: ${e instanceof Error ? e.stack : String(e)}`);
    for (const p of processes.values()) p.signal('SIGKILL');
  });

  return {
    uid,
    namespace,
    name,
    containerNames: [...initSpecs, ...spec.containers].map((c) => c.name),
    waitingReason: (c) => [...init, ...main].find((s) => s.name === c)?.state.waiting?.reason,
    logs,
    update(next) {
      pod = next;
      if (!next.metadata?.deletionTimestamp || deleting) return;
      deleting = true;
      const grace =
        next.metadata.deletionGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
      beginStopping(grace);
      if (reported) void deletePod();
    },
    removed() {
      deleting = true;
      beginStopping(0);
    },
    async stop() {
      halted = true;
      reporter.cancel();
      beginStopping(0);
      for (const p of processes.values()) p.signal('SIGKILL');
      await done;
    },
    done,
  };
}
