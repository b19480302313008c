import type { ContainerStatusJson } from './status-json.js';

/** A Pod's phase. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/**
 * The phase from the container statuses, as the kubelet's `getPhase` computes it: Pending
 * while init containers have not all completed or a container waits for its first start;
 * Running while one runs or restarts (`Always`, or `OnFailure` after a failure); Succeeded
 * when every container exited 0; Failed otherwise. `deleted`: the Pod is being deleted and all
 * its containers stopped, so a restarting Pod ends (Succeeded only if every exit code was 0).
 */
export function podPhase(input: {
  restartPolicy: string;
  initDone: boolean;
  initFailed: boolean;
  containers: readonly ContainerStatusJson[];
  deleted: boolean;
}): PodPhase {
  if (input.initFailed) return 'Failed';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of input.containers) {
    if (c.state?.running) running++;
    else if (c.state?.terminated) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState?.terminated) {
      stopped++;
      if (c.lastState.terminated.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (input.deleted && running === 0) {
    return input.initDone && waiting === 0 && stopped === succeeded ? 'Succeeded' : 'Failed';
  }
  if (!input.initDone) return 'Pending';
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (input.restartPolicy === 'Always') return 'Running';
  if (stopped === succeeded) return 'Succeeded';
  if (input.restartPolicy === 'OnFailure') return 'Running';
  return 'Failed';
}
