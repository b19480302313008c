import { chmod, chown, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import type {
  V1DownwardAPIVolumeFile,
  V1KeyToPath,
  V1Pod,
  V1Volume,
} from '@kubernetes/client-node';
import { fieldRefValue } from './field-ref-value.js';
import { PodConfigError } from './pod-config-error.js';
import type { SourceLookup } from './source-lookup.js';

/** What materialising a Pod's volumes needs from the cluster. */
export interface VolumeDeps {
  readonly sources: SourceLookup;
  /** A service-account token bound to the Pod (TokenRequest API). */
  readonly token: (source: { audience?: string; expirationSeconds?: number }) => Promise<string>;
}

/** A volume on this machine: the host path a mount of it binds. */
export interface HostVolume {
  readonly name: string;
  readonly hostPath: string;
}

/** Files of one volume, before they are written: relative path → content and mode. */
type Files = Map<string, { data: Buffer | string; mode: number }>;

function mountError(volume: string, message: string): PodConfigError {
  return new PodConfigError(
    'ContainerCreating',
    `MountVolume.SetUp failed for volume "${volume}" : ${message}`,
  );
}

async function keyFiles(
  files: Files,
  volume: string,
  kind: 'configmap' | 'secret',
  name: string,
  data: Map<string, Buffer> | undefined,
  source: { items?: V1KeyToPath[]; optional?: boolean },
  defaultMode: number,
): Promise<void> {
  if (!data) {
    if (source.optional === true) return;
    throw mountError(volume, `${kind} "${name}" not found`);
  }
  const items: V1KeyToPath[] = source.items ?? [...data.keys()].map((key) => ({ key, path: key }));
  for (const item of items) {
    const value = data.get(item.key);
    if (value === undefined) {
      if (source.optional === true) continue;
      throw mountError(volume, `${kind} references non-existent config key: ${item.key}`);
    }
    files.set(item.path, { data: value, mode: item.mode ?? defaultMode });
  }
}

function downwardFiles(
  files: Files,
  pod: V1Pod,
  items: readonly V1DownwardAPIVolumeFile[],
  defaultMode: number,
): void {
  for (const item of items) {
    const value = item.fieldRef ? fieldRefValue(pod, item.fieldRef.fieldPath) : '';
    files.set(item.path, { data: value ?? '', mode: item.mode ?? defaultMode });
  }
}

/** The files of a configMap/secret/projected/downwardAPI volume; undefined for a directory kind. */
async function volumeFiles(pod: V1Pod, v: V1Volume, deps: VolumeDeps): Promise<Files | undefined> {
  const ns = pod.metadata?.namespace ?? '';
  const files: Files = new Map();
  if (v.configMap) {
    const name = v.configMap.name ?? '';
    const data = await deps.sources.configMap(ns, name);
    await keyFiles(
      files,
      v.name,
      'configmap',
      name,
      data,
      v.configMap,
      v.configMap.defaultMode ?? 0o644,
    );
  } else if (v.secret) {
    const name = v.secret.secretName ?? '';
    const data = await deps.sources.secret(ns, name);
    await keyFiles(files, v.name, 'secret', name, data, v.secret, v.secret.defaultMode ?? 0o644);
  } else if (v.downwardAPI) {
    downwardFiles(files, pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644);
  } else if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) {
        const name = s.configMap.name ?? '';
        await keyFiles(
          files,
          v.name,
          'configmap',
          name,
          await deps.sources.configMap(ns, name),
          s.configMap,
          mode,
        );
      } else if (s.secret) {
        const name = s.secret.name ?? '';
        await keyFiles(
          files,
          v.name,
          'secret',
          name,
          await deps.sources.secret(ns, name),
          s.secret,
          mode,
        );
      } else if (s.downwardAPI) {
        downwardFiles(files, pod, s.downwardAPI.items ?? [], mode);
      } else if (s.serviceAccountToken) {
        const { audience, expirationSeconds, path } = s.serviceAccountToken;
        let token: string;
        try {
          token = await deps.token({
            ...(audience ? { audience } : {}),
            ...(expirationSeconds ? { expirationSeconds } : {}),
          });
        } catch (e) {
          throw mountError(v.name, `failed to fetch token: ${(e as Error).message}`);
        }
        files.set(path, { data: token, mode });
      }
    }
  } else {
    return undefined;
  }
  return files;
}

/** Owner (uid, gid) the volume contents get: the Pod's user and fsGroup, as the kubelet applies them. */
export interface VolumeOwner {
  readonly uid: number;
  readonly gid: number;
}

async function chownTree(path: string, owner: VolumeOwner): Promise<void> {
  await chown(path, owner.uid, owner.gid);
  if ((await stat(path)).isDirectory()) {
    for (const entry of await readdir(path)) await chownTree(join(path, entry), owner);
  }
}

/**
 * Materialises every volume of `pod` under `dir` (one directory per volume): configMap, secret
 * (`items`, `defaultMode`, per-item `mode`, `optional`), downwardAPI, projected (configMap,
 * secret, downwardAPI, serviceAccountToken from the TokenRequest API — the injected
 * `kube-api-access-*` volume), emptyDir (mode 0777, as the kubelet makes it) and hostPath (the
 * host path itself). Throws PodConfigError (`ContainerCreating`) for a missing non-optional
 * source or a kind the node agent does not support (persistentVolumeClaim, …).
 */
export async function materialiseVolumes(
  pod: V1Pod,
  dir: string,
  deps: VolumeDeps,
  owner: VolumeOwner,
): Promise<Map<string, HostVolume>> {
  const out = new Map<string, HostVolume>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.hostPath) {
      out.set(v.name, { name: v.name, hostPath: v.hostPath.path });
      continue;
    }
    const hostPath = join(dir, v.name);
    const files = await volumeFiles(pod, v, deps);
    if (!files && !v.emptyDir) {
      const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
      throw mountError(v.name, `volume type ${kind} is not supported by the quickcd node agent`);
    }
    await rm(hostPath, { recursive: true, force: true });
    await mkdir(hostPath, { recursive: true });
    for (const [rel, f] of files ?? []) {
      const file = join(hostPath, normalize(rel).replace(/^(\.\.(\/|$))+/, ''));
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, f.data);
      await chmod(file, f.mode);
    }
    if (files) await chmod(hostPath, 0o755);
    else await chmod(hostPath, 0o777);
    await chownTree(hostPath, owner);
    out.set(v.name, { name: v.name, hostPath });
  }
  return out;
}
