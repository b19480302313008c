import { rfc3339, type ContainerStatusJson, type PodConditionJson } from './status-json.js';
import type { PodPhase } from './pod-phase.js';

/**
 * The kubelet's Pod conditions (PodReadyToStartContainers, Initialized, ContainersReady,
 * Ready; PodScheduled is the binding's), each keeping its `lastTransitionTime` from
 * `previous` while its status does not change.
 */
export function podConditions(input: {
  phase: PodPhase;
  sandboxReady: boolean;
  initDone: boolean;
  init: readonly ContainerStatusJson[];
  containers: readonly ContainerStatusJson[];
  previous: readonly PodConditionJson[];
  now: Date;
}): PodConditionJson[] {
  const done = input.phase === 'Succeeded' || input.phase === 'Failed';
  const notReady = input.containers.filter((c) => !c.ready).map((c) => c.name);
  const incompleteInit = input.init
    .filter((c) => c.state?.terminated?.exitCode !== 0)
    .map((c) => c.name);
  const make = (type: string, ok: boolean, reason?: string, message?: string): PodConditionJson => {
    const before = input.previous.find((c) => c.type === type);
    const status = ok ? ('True' as const) : ('False' as const);
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime:
        before?.status === status ? before.lastTransitionTime : rfc3339(input.now),
      ...(ok || !reason ? {} : { reason }),
      ...(ok || !message ? {} : { message }),
    };
  };
  const readyReason = done ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = done ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const ready = !done && notReady.length === 0 && input.containers.length > 0;
  return [
    make('PodReadyToStartContainers', input.sandboxReady && !done),
    make(
      'Initialized',
      input.initDone,
      'ContainersNotInitialized',
      `containers with incomplete status: [${incompleteInit.join(' ')}]`,
    ),
    make('Ready', ready, readyReason, readyMessage),
    make('ContainersReady', ready, readyReason, readyMessage),
  ];
}
