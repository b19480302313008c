import type { Fault } from '../../support/kube-fault-proxy/faults.js';
import type { TestCluster } from '../../support/cluster/start-test-cluster.js';
import type { Chaos } from './github-chaos.js';
import type { Rng } from './create-rng.js';

type Drawn = { fault: Fault; label: string } | { drop: true; label: string };

function draw(rng: Rng, namespace: string): Drawn {
  const path = rng.pick([
    `/namespaces/${namespace}/configmaps`,
    `/namespaces/${namespace}/jobs`,
    `/namespaces/${namespace}/leases`,
    `/namespaces/${namespace}/events`,
  ]);
  const times = rng.int(1, 3);
  switch (rng.pick(['5xx', '409', '429', 'slow', 'expire', 'drop'] as const)) {
    case '5xx': {
      const status = rng.pick([500, 503]);
      return { fault: { kind: 'status', status, path, times }, label: String(status) };
    }
    case '409':
      return { fault: { kind: 'conflict', path, times: 1 }, label: '409' };
    case '429':
      return {
        fault: { kind: 'status', status: 429, retryAfterSeconds: 1, path, times },
        label: '429 (Retry-After)',
      };
    case 'slow':
      return { fault: { kind: 'delay', ms: rng.int(200, 2000), path, times }, label: 'slow' };
    case 'expire':
      return {
        fault: { kind: 'expire-watch', path, watch: true, times: 1 },
        label: 'watch expired (410)',
      };
    case 'drop':
      return { drop: true, label: 'watches dropped' };
  }
}

/**
 * Every [min, max] ms, one Kubernetes fault through the fault-injecting proxy in front of the
 * real API server: 5xx, 409, 429 with `Retry-After`, slow answers, an expired watch (410), or
 * every open watch dropped at once. On the scheduler's resources (ConfigMaps, Jobs, the Lease,
 * Kubernetes Events), not on Pods: the node agent (the test kubelet) is not under test.
 */
export function startKubeChaos(
  cluster: TestCluster,
  rng: Rng,
  namespace: string,
  everyMs: readonly [number, number],
): Chaos {
  const counts: Record<string, number> = {};
  const handles: { remove(): void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const d = draw(rng, namespace);
    if ('drop' in d) cluster.dropWatches();
    else handles.push(cluster.fault(d.fault));
    counts[d.label] = (counts[d.label] ?? 0) + 1;
    timer = setTimeout(tick, rng.int(everyMs[0], everyMs[1]));
  };
  timer = setTimeout(tick, rng.int(everyMs[0], everyMs[1]));
  return {
    counts,
    stop() {
      clearTimeout(timer);
      for (const h of handles.splice(0)) h.remove();
    },
  };
}
