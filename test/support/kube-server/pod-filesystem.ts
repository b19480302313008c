import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore } from './object-store.js';
import { PodConfigError, sourceData } from './pod-env.js';
import { isObject, type JsonObject, type KubeObject, text } from './types.js';

/** A prepared pod root and how container paths map into it. */
export interface PodFilesystem {
  /** `<workDir>/<namespace>/<pod>/root`: container path `/x` lives at `<root>/x`. */
  root: string;
  /** Host path of the container's termination message file. */
  terminationMessageFile: string;
  /** Rewrites container paths (mount paths, termination message path) inside a string. */
  rewrite(s: string): string;
}

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

/**
 * Builds the pod's filesystem under `podDir`: each volume materialised in `podDir/volumes/`
 * (configMap and secret keys as files honouring `items`, `optional`, `defaultMode`; emptyDir
 * and anything else as an empty directory) and linked at `<root><mountPath>` (or its
 * `subPath`); the termination message file created empty. Throws PodConfigError when a
 * non-optional ConfigMap/Secret (or key) is missing.
 */
export async function preparePodFilesystem(
  store: ObjectStore,
  pod: KubeObject,
  container: JsonObject,
  podDir: string,
): Promise<PodFilesystem> {
  const ns = pod.metadata.namespace ?? '';
  const root = join(podDir, 'root');
  await rm(podDir, { recursive: true, force: true });
  await mkdir(join(root, 'tmp'), { recursive: true });
  const volumes = new Map<string, JsonObject>();
  for (const v of Array.isArray(obj(pod.spec).volumes)
    ? (obj(pod.spec).volumes as unknown[]).map(obj)
    : []) {
    volumes.set(String(v.name), v);
  }
  const mountPaths: string[] = [];
  for (const m of Array.isArray(container.volumeMounts) ? container.volumeMounts.map(obj) : []) {
    const volume = volumes.get(String(m.name));
    if (!volume)
      throw new PodConfigError(
        'CreateContainerConfigError',
        `cannot find volume "${String(m.name)}" to mount into container "${String(container.name)}"`,
      );
    const volDir = join(podDir, 'volumes', String(m.name));
    await materialise(store, ns, volume, volDir);
    const mountPath = text(m.mountPath, '').replace(/\/+$/, '');
    if (!mountPath.startsWith('/') || mountPath === '') continue;
    const target = join(root, mountPath);
    await mkdir(dirname(target), { recursive: true });
    await rm(target, { recursive: true, force: true });
    await symlink(
      typeof m.subPath === 'string' && m.subPath !== '' ? join(volDir, m.subPath) : volDir,
      target,
    );
    mountPaths.push(mountPath);
  }
  const tmPath = text(container.terminationMessagePath, '/dev/termination-log');
  const terminationMessageFile = join(root, tmPath);
  await mkdir(dirname(terminationMessageFile), { recursive: true });
  await writeFile(terminationMessageFile, '');
  const rewrite = pathRewriter(root, [...mountPaths, tmPath]);
  return { root, terminationMessageFile, rewrite };
}

async function materialise(
  store: ObjectStore,
  ns: string,
  volume: JsonObject,
  dir: string,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const [kind, source] = isObject(volume.configMap)
    ? (['configmap', volume.configMap] as const)
    : isObject(volume.secret)
      ? (['secret', volume.secret] as const)
      : [undefined, undefined];
  if (!kind || !source) return; // emptyDir and unsupported kinds: an empty directory
  const name = String(kind === 'secret' ? source.secretName : source.name);
  const data = sourceData(store, kind, ns, name);
  if (!data) {
    if (source.optional === true) return;
    throw new PodConfigError(
      'ContainerCreating',
      `MountVolume.SetUp failed for volume "${String(volume.name)}" : ${kind} "${name}" not found`,
    );
  }
  const defaultMode = typeof source.defaultMode === 'number' ? source.defaultMode : 0o644;
  const items: JsonObject[] = Array.isArray(source.items)
    ? source.items.map(obj)
    : [...data.keys()].map((key) => ({ key, path: key }));
  for (const item of items) {
    const value = data.get(String(item.key));
    if (value === undefined) {
      if (source.optional === true) continue;
      throw new PodConfigError(
        'ContainerCreating',
        `MountVolume.SetUp failed for volume "${String(volume.name)}" : configmap references non-existent config key: ${String(item.key)}`,
      );
    }
    const file = join(dir, String(item.path));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, value);
    await chmod(file, typeof item.mode === 'number' ? item.mode : defaultMode);
  }
}

/**
 * A function rewriting every occurrence of a container path (exactly one of `paths`, or one
 * followed by `/…`) that starts a word (after start, whitespace, a quote, `=`, `:`, `>`,
 * `<`, `(`, `|`, `;` or `&`) to `<root><path>`.
 */
export function pathRewriter(root: string, paths: string[]): (s: string) => string {
  const usable = [...new Set(paths)]
    .filter((p) => p.startsWith('/') && p !== '/')
    .sort((a, b) => b.length - a.length);
  if (usable.length === 0) return (s) => s;
  const alternatives = usable.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(`(^|[\\s'"=:><(|;&])(${alternatives})(?=$|[/\\s'":;)&|<>])`, 'g');
  return (s) => s.replace(re, (_all, before: string, path: string) => `${before}${root}${path}`);
}
