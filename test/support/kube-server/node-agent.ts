import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { processSpec } from './container-process.js';
import type { ServerContext } from './context.js';
import { containerEnv, PodConfigError } from './pod-env.js';
import { preparePodFilesystem } from './pod-filesystem.js';
import {
  containerStatus,
  markScheduled,
  markTerminated,
  markWaiting,
  podConditions,
  readHead,
  signalGroup,
  updatePodStatus,
} from './pod-status.js';
import { isObject, text, timestamp, type JsonObject } from './types.js';

/** Settings of the node agent. */
export interface NodeAgentOptions {
  /** Root of the pod filesystems. */
  workDir: string;
  /** Replaces a container command starting with `quickcd` (and the entrypoint of quickcd images). */
  quickcdCommand: readonly string[];
  /** Cap on terminationGracePeriodSeconds, so tests do not wait 30 s for SIGKILL. */
  maxGraceSeconds: number;
  /** The node name written to `spec.nodeName`. */
  nodeName: string;
}

/** The running node agent. */
export interface NodeAgent {
  /** Kills a pod's container (e.g. for a Job deadline); its terminated reason is `reason`. */
  terminate(namespace: string, name: string, reason: string): void;
  /** Stops watching and kills every running container's process group. */
  stop(): Promise<void>;
}

interface PodRun {
  child?: ChildProcess;
  exited?: Promise<void>;
  killReason?: string;
  deleted?: boolean;
  timers: NodeJS.Timeout[];
}

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

/**
 * Starts the node agent: every Pod created is "scheduled" here and its first container runs
 * as a local child process in its own process group (see the README-level description in
 * index.ts). Pod status follows the real kubelet's: Pending → Running → Succeeded/Failed.
 */
export function startNodeAgent(ctx: ServerContext, options: NodeAgentOptions): NodeAgent {
  const runs = new Map<string, PodRun>();
  const key = (ns: string, name: string): string => `${ns}/${name}`;

  const kill = (run: PodRun, graceSeconds: number): void => {
    const pid = run.child?.pid;
    if (pid === undefined || run.child?.exitCode !== null || run.child.signalCode !== null) return;
    signalGroup(pid, 'SIGTERM');
    run.timers.push(
      setTimeout(
        () => signalGroup(pid, 'SIGKILL'),
        Math.min(graceSeconds, options.maxGraceSeconds) * 1000,
      ),
    );
  };

  const tryStart = async (ns: string, name: string): Promise<void> => {
    const run = runs.get(key(ns, name));
    const pod = ctx.store.get('pods', ns, name);
    if (!run || run.deleted || !pod) return;
    const container = obj((obj(pod.spec).containers as unknown[] | undefined)?.[0]);
    let env: Record<string, string>;
    let fs;
    try {
      env = containerEnv(ctx.store, pod, container);
      fs = await preparePodFilesystem(ctx.store, pod, container, join(options.workDir, ns, name));
    } catch (e) {
      if (!(e instanceof PodConfigError)) throw e;
      markWaiting(ctx.store, ns, name, container, e.reason, e.message);
      run.timers.push(setTimeout(() => void tryStart(ns, name), 500));
      return;
    }
    if (run.deleted) return;
    const spec = await processSpec(name, container, env, fs, options.quickcdCommand);
    const startedAt = timestamp();
    if (!spec) {
      const image = text(container.image);
      const message = `failed to start container "${text(container.name)}": no command specified (image ${image} is not run by the test server)`;
      return finished(
        ns,
        name,
        container,
        fs.terminationMessageFile,
        startedAt,
        128,
        'StartError',
        message,
      );
    }
    const { argv, env: childEnv, cwd } = spec;
    const child = spawn(argv[0] ?? '', argv.slice(1), {
      cwd,
      env: childEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    run.child = child;
    child.stdout?.on('data', (d: Buffer) => ctx.logs.append(ns, name, d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => ctx.logs.append(ns, name, d.toString('utf8')));
    run.exited = new Promise((resolve) => {
      child.on('error', (e) => {
        ctx.logs.end(ns, name);
        void finished(
          ns,
          name,
          container,
          fs.terminationMessageFile,
          startedAt,
          128,
          'StartError',
          `failed to start container: exec: "${argv[0]}": ${e.message}`,
        ).then(resolve);
      });
      child.on('exit', () => {
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL'); // PID 1 gone: the container's other processes go too
      });
      child.on('close', (code, signal) => {
        ctx.logs.end(ns, name);
        const exitCode = code ?? 128 + (signal ? (constants.signals[signal] ?? 9) : 9);
        const reason = run.killReason ?? (exitCode === 0 ? 'Completed' : 'Error');
        void finished(
          ns,
          name,
          container,
          fs.terminationMessageFile,
          startedAt,
          exitCode,
          reason,
        ).then(resolve);
      });
    });
    child.on('spawn', () => {
      updatePodStatus(ctx.store, ns, name, (status) => {
        status.phase = 'Running';
        status.conditions = podConditions(true);
        status.containerStatuses = [containerStatus(container, true, { running: { startedAt } })];
      });
    });
    const deadline = obj(pod.spec).activeDeadlineSeconds;
    if (typeof deadline === 'number') {
      run.timers.push(
        setTimeout(() => {
          run.killReason = 'DeadlineExceeded';
          kill(run, 0);
        }, deadline * 1000),
      );
    }
  };

  const finished = async (
    ns: string,
    name: string,
    container: JsonObject,
    messageFile: string,
    startedAt: string,
    exitCode: number,
    reason: string,
    startError?: string,
  ): Promise<void> => {
    const run = runs.get(key(ns, name));
    for (const t of run?.timers ?? []) clearTimeout(t);
    let message = startError ?? (await readHead(messageFile, 4096));
    if (
      !message &&
      exitCode !== 0 &&
      container.terminationMessagePolicy === 'FallbackToLogsOnError'
    ) {
      message = ctx.logs.text(ns, name).split('\n').slice(-80).join('\n').slice(-2048);
    }
    if (run?.deleted) return;
    const terminated: JsonObject = {
      exitCode,
      reason,
      startedAt,
      finishedAt: timestamp(),
      containerID: `quickcd-test://${ns}.${name}`,
    };
    if (message) terminated.message = message;
    markTerminated(ctx.store, ns, name, container, terminated);
  };

  const unsubscribe = ctx.store.subscribe((e) => {
    if (e.resource !== 'pods') return;
    const ns = e.object.metadata.namespace ?? '';
    const name = e.object.metadata.name ?? '';
    if (e.type === 'ADDED' && !runs.has(key(ns, name))) {
      const phase = obj(e.object.status).phase;
      if (phase === 'Succeeded' || phase === 'Failed') return;
      runs.set(key(ns, name), { timers: [] });
      setImmediate(() => {
        markScheduled(ctx.store, ns, name, options.nodeName);
        void tryStart(ns, name);
      });
    } else if (e.type === 'DELETED') {
      const run = runs.get(key(ns, name));
      if (!run) return;
      run.deleted = true;
      for (const t of run.timers) clearTimeout(t);
      kill(run, Number(obj(e.object.spec).terminationGracePeriodSeconds ?? 30));
      runs.delete(key(ns, name));
    }
  });

  return {
    terminate(ns, name, reason) {
      const run = runs.get(key(ns, name));
      if (!run) return;
      run.killReason = reason;
      if (run.child) return kill(run, 0);
      for (const t of run.timers) clearTimeout(t);
      run.deleted = true;
      const pod = ctx.store.get('pods', ns, name);
      const container = obj((obj(pod?.spec).containers as unknown[] | undefined)?.[0]);
      const now = timestamp();
      updatePodStatus(ctx.store, ns, name, (status) => {
        status.phase = 'Failed';
        status.containerStatuses = [
          containerStatus(container, false, {
            terminated: { exitCode: 137, reason, startedAt: now, finishedAt: now },
          }),
        ];
      });
    },
    async stop() {
      unsubscribe();
      const waits: Promise<void>[] = [];
      for (const run of runs.values()) {
        run.deleted = true;
        for (const t of run.timers) clearTimeout(t);
        kill(run, 0.5);
        if (run.exited) waits.push(run.exited);
      }
      await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}
