import type { V1Pod } from '@kubernetes/client-node';
import { NODE_IP } from './node-ip.js';

/** `key="value"` lines sorted by key, as the kubelet writes labels/annotations into a file. */
function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? '')}`)
    .join('\n');
}

/**
 * The value of a downward-API `fieldRef` (env or volume), as the kubelet resolves it; undefined
 * for a path it does not support.
 */
export function fieldRefValue(pod: V1Pod, fieldPath: string): string | undefined {
  const meta = pod.metadata ?? {};
  const one = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (one) {
    const map = one[1] === 'labels' ? meta.labels : meta.annotations;
    return map?.[one[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.hostIP':
      return NODE_IP;
    case 'status.podIPs':
    case 'status.hostIPs':
      return NODE_IP;
    default:
      return undefined;
  }
}
