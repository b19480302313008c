import { open } from 'node:fs/promises';
import type { ObjectStore } from './object-store.js';
import { isObject, text, timestamp, type JsonObject } from './types.js';

/**
 * Changes a pod's status in place (as the kubelet's status manager would), when the pod still
 * exists; `mutate` edits the status object.
 */
export function updatePodStatus(
  store: ObjectStore,
  ns: string,
  name: string,
  mutate: (status: JsonObject) => void,
): void {
  const pod = store.get('pods', ns, name);
  if (!pod) return;
  const status: JsonObject = isObject(pod.status) ? pod.status : {};
  mutate(status);
  pod.status = status;
  store.update('pods', pod);
}

/** Pod conditions: all True when `ready`, otherwise Ready/ContainersReady False with `reason`. */
export function podConditions(ready: boolean, reason?: string): JsonObject[] {
  const now = timestamp();
  const c = (type: string, ok: boolean): JsonObject => {
    const cond: JsonObject = {
      type,
      status: ok ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: now,
    };
    if (!ok && reason) cond.reason = reason;
    return cond;
  };
  return [
    c('PodReadyToStartContainers', true),
    c('Initialized', true),
    c('Ready', ready),
    c('ContainersReady', ready),
    c('PodScheduled', true),
  ];
}

/** A `containerStatuses` entry. */
export function containerStatus(
  container: JsonObject,
  running: boolean,
  state: JsonObject,
): JsonObject {
  return {
    name: text(container.name, ''),
    image: text(container.image, ''),
    imageID: '',
    ready: running,
    started: running,
    restartCount: 0,
    state,
    lastState: {},
  };
}

/** Signals a whole process group, ignoring one that is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The first `max` bytes of a file as UTF-8, or '' when it cannot be read. */
export async function readHead(file: string, max: number): Promise<string> {
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(max);
      const { bytesRead } = await fh.read(buf, 0, max, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}

/** The kubelet's first status: scheduled on `nodeName`, container creating. */
export function markScheduled(
  store: ObjectStore,
  ns: string,
  name: string,
  nodeName: string,
): void {
  const current = store.get('pods', ns, name);
  if (!current) return;
  const spec: JsonObject = isObject(current.spec) ? current.spec : {};
  if (!spec.nodeName) {
    spec.nodeName = nodeName;
    spec.serviceAccountName ??= 'default';
    current.spec = spec;
  }
  const container = firstContainer(spec);
  current.status = {
    ...(isObject(current.status) ? current.status : {}),
    phase: 'Pending',
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    startTime: timestamp(),
    conditions: podConditions(false, 'ContainersNotReady'),
    containerStatuses: [
      containerStatus(container, false, { waiting: { reason: 'ContainerCreating' } }),
    ],
  };
  store.update('pods', current);
}

/** A container that cannot start yet (`CreateContainerConfigError`, `ContainerCreating`). */
export function markWaiting(
  store: ObjectStore,
  ns: string,
  name: string,
  container: JsonObject,
  reason: string,
  message: string,
): void {
  updatePodStatus(store, ns, name, (status) => {
    status.containerStatuses = [
      containerStatus(container, false, { waiting: { reason, message } }),
    ];
  });
}

/** A container that ended: phase Succeeded (exit 0, reason Completed) or Failed. */
export function markTerminated(
  store: ObjectStore,
  ns: string,
  name: string,
  container: JsonObject,
  terminated: JsonObject,
): void {
  updatePodStatus(store, ns, name, (status) => {
    status.phase =
      terminated.exitCode === 0 && terminated.reason === 'Completed' ? 'Succeeded' : 'Failed';
    if (terminated.reason === 'DeadlineExceeded') {
      status.reason = 'DeadlineExceeded';
      status.message = 'Pod was active on the node longer than the specified deadline';
    }
    status.conditions = podConditions(false, 'PodCompleted');
    status.containerStatuses = [containerStatus(container, false, { terminated })];
  });
}

/** The first container of a pod spec (the one the node agent runs). */
export function firstContainer(spec: unknown): JsonObject {
  const containers = isObject(spec) && Array.isArray(spec.containers) ? spec.containers : [];
  const c: unknown = containers[0];
  return isObject(c) ? c : {};
}
