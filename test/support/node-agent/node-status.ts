import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { NODE_IP } from './node-ip.js';
import { rfc3339 } from './status-json.js';

/** The node's capacity (and allocatable): this machine's CPUs and memory, 110 Pods. */
export function nodeCapacity(): Record<string, string> {
  return {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: '110',
    'ephemeral-storage': '100Gi',
  };
}

/**
 * The Node status the node agent posts, as a kubelet's: Ready (and no pressure), the loopback
 * address, the kubelet endpoint port (where the API server fetches logs), capacity.
 */
export function nodeStatus(input: {
  nodeName: string;
  port: number;
  kubeletVersion: string;
  since: Date;
  now: Date;
}): object {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: rfc3339(input.now),
    lastTransitionTime: rfc3339(input.since),
  });
  const capacity = nodeCapacity();
  return {
    conditions: [
      condition(
        'MemoryPressure',
        'False',
        'KubeletHasSufficientMemory',
        'kubelet has sufficient memory available',
      ),
      condition(
        'DiskPressure',
        'False',
        'KubeletHasNoDiskPressure',
        'kubelet has no disk pressure',
      ),
      condition(
        'PIDPressure',
        'False',
        'KubeletHasSufficientPID',
        'kubelet has sufficient PID available',
      ),
      condition('Ready', 'True', 'KubeletReady', 'quickcd node agent is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: NODE_IP },
      { type: 'Hostname', address: input.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: input.port } },
    capacity,
    allocatable: capacity,
    nodeInfo: {
      machineID: hostname(),
      systemUUID: input.nodeName,
      bootID: String(input.since.getTime()),
      kernelVersion: release(),
      osImage: 'quickcd node agent (local processes)',
      containerRuntimeVersion: 'quickcd-node-agent://1',
      kubeletVersion: input.kubeletVersion,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: arch() === 'x64' ? 'amd64' : arch(),
    },
  };
}
