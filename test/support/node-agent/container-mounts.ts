import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { V1Container } from '@kubernetes/client-node';
import type { BindMount } from './bwrap-argv.js';
import { expandEnv } from './expand-env.js';
import { PodConfigError } from './pod-config-error.js';
import type { HostVolume } from './pod-volumes.js';

/**
 * The container's volume mounts as host → container binds: `subPath` (or `subPathExpr`
 * expanded with the container's env) selects a path inside the volume, created when missing
 * as the kubelet does; `readOnly` is honoured.
 */
export async function containerMounts(
  container: V1Container,
  volumes: ReadonlyMap<string, HostVolume>,
  env: Readonly<Record<string, string>>,
): Promise<BindMount[]> {
  const out: BindMount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const volume = volumes.get(m.name);
    if (!volume) {
      throw new PodConfigError(
        'CreateContainerConfigError',
        `cannot find volume "${m.name}" to mount into container "${container.name}"`,
      );
    }
    const sub = m.subPathExpr ? expandEnv(m.subPathExpr, env) : (m.subPath ?? '');
    if (sub.split('/').includes('..')) {
      throw new PodConfigError(
        'CreateContainerConfigError',
        `subPath "${sub}" of volume "${m.name}" must not contain '..'`,
      );
    }
    let hostPath = volume.hostPath;
    if (sub !== '') {
      hostPath = join(volume.hostPath, sub);
      await mkdir(hostPath, { recursive: true }).catch(() => undefined); // a file already there is fine
    }
    out.push({
      hostPath,
      containerPath: m.mountPath.replace(/(.)\/+$/, '$1'),
      readOnly: m.readOnly === true,
    });
  }
  return out;
}
