import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type CoordinationV1Api,
  type CoreV1Api,
} from '@kubernetes/client-node';
import { nodeStatus } from './node-status.js';

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const isCode = (e: unknown, code: number): boolean => e instanceof ApiException && e.code === code;

/** What registering and heartbeating the Node needs. */
export interface NodeRegistration {
  readonly core: CoreV1Api;
  readonly coordination: CoordinationV1Api;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly port: number;
  readonly kubeletVersion: string;
  readonly log: (msg: string) => void;
  /** Lease renewal period (the kubelet's: 10 s); the Node status is posted every 6th renewal. */
  readonly renewMs?: number;
}

/**
 * Registers the Node (created, or taken over when it exists), posts its status Ready, and
 * keeps it so: the `kube-node-lease` Lease renewed every `renewMs` (what the node lifecycle
 * controller checks) and the status re-posted every minute. Returns the stop function.
 */
export async function registerNode(o: NodeRegistration): Promise<() => void> {
  const since = new Date();
  const labels = { ...o.labels };
  let uid: string | undefined;
  try {
    uid = (await o.core.createNode({ body: { metadata: { name: o.nodeName, labels } } })).metadata
      ?.uid;
  } catch (e) {
    if (!isCode(e, 409)) throw e;
    uid = (await o.core.readNode({ name: o.nodeName })).metadata?.uid;
  }
  const postStatus = async (): Promise<void> => {
    const status = nodeStatus({ ...o, since, now: new Date() });
    await o.core.patchNodeStatus({ name: o.nodeName, body: { status } }, strategic);
  };
  await postStatus();
  const lease = () => ({
    metadata: {
      name: o.nodeName,
      namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: o.nodeName, uid: uid ?? '' }],
    },
    spec: {
      holderIdentity: o.nodeName,
      leaseDurationSeconds: 40,
      renewTime: new V1MicroTime(Date.now()),
    },
  });
  const renew = async (): Promise<void> => {
    try {
      const current = await o.coordination.readNamespacedLease({
        name: o.nodeName,
        namespace: 'kube-node-lease',
      });
      const body = lease();
      await o.coordination.replaceNamespacedLease({
        name: o.nodeName,
        namespace: 'kube-node-lease',
        body: { ...body, metadata: { ...body.metadata, ...current.metadata, name: o.nodeName } },
      });
    } catch (e) {
      if (!isCode(e, 404)) throw e;
      await o.coordination.createNamespacedLease({ namespace: 'kube-node-lease', body: lease() });
    }
  };
  const beat = async (n: number): Promise<void> => {
    try {
      await renew();
      if (n % 6 === 5) await postStatus();
    } catch (e) {
      o.log(`node heartbeat failed (retrying): ${String(e)}`);
    }
  };
  await beat(0);
  let n = 1;
  const timer = setInterval(() => void beat(n++), o.renewMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
