import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** The user a container runs as: undefined for root (no `runAsUser`, or 0). */
export interface ContainerUser {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups: the Pod's `fsGroup` and `supplementalGroups`. */
  readonly groups: readonly number[];
}

/**
 * The container's user from its `securityContext`, falling back to the Pod's: `runAsUser`,
 * `runAsGroup` (default: the uid, as images without an /etc/passwd entry get), `fsGroup` and
 * `supplementalGroups` as supplementary groups.
 */
export function containerUser(pod: V1Pod, container: V1Container): ContainerUser | undefined {
  const podSc = pod.spec?.securityContext;
  const sc = container.securityContext;
  const uid = sc?.runAsUser ?? podSc?.runAsUser;
  if (uid === undefined || uid === 0) return undefined;
  const gid = sc?.runAsGroup ?? podSc?.runAsGroup ?? uid;
  const groups = [
    ...(podSc?.fsGroup === undefined ? [] : [podSc.fsGroup]),
    ...(podSc?.supplementalGroups ?? []),
  ];
  return { uid, gid, groups: [...new Set(groups)] };
}

/** Owner of the Pod's volume files: its user and fsGroup (root when neither is set). */
export function volumeOwner(pod: V1Pod): { uid: number; gid: number } {
  const sc = pod.spec?.securityContext;
  const firstUser = pod.spec?.containers.find((c) => c.securityContext?.runAsUser !== undefined)
    ?.securityContext?.runAsUser;
  const uid = sc?.runAsUser ?? firstUser ?? 0;
  return { uid, gid: sc?.fsGroup ?? sc?.runAsGroup ?? uid };
}
