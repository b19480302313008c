// charts/quickcd rendered by the suite's real helm (test/cluster/build), for the Helm tests:
// lint, template, and the values every test starts from.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { clusterBinDir } from '../../support/cluster/cluster-bin-dir.js';
import type { CommandResult } from '../../support/cluster/start-test-cluster.js';

const execFileAsync = promisify(execFile);

export const chartDir = fileURLToPath(new URL('../../../charts/quickcd', import.meta.url));

/** Values as a Helm values file holds them. */
export type Values = Record<string, unknown>;

export const HANDLERS = `import { on } from 'quickcd';
on('PushEvent', async (payload) => console.log('deploying', payload.head), { name: 'deploy' });
`;

/** What the chart cannot do without: a repository and a handlers file. */
export const REQUIRED: Values = { repos: ['acme/webapp'], handlers: { content: HANDLERS } };

const home = mkdtempSync(join(tmpdir(), 'quickcd-helm-'));
let files = 0;

/** Writes `values` as a values file (JSON is YAML) and returns its path. */
export function valuesFile(values: Values): string {
  const path = join(home, `values-${++files}.yaml`);
  writeFileSync(path, JSON.stringify(values));
  return path;
}

/** Runs the suite's helm (no cluster needed for lint and template). */
export async function helm(args: readonly string[]): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(join(clusterBinDir(), 'helm'), [...args], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_DATA_HOME: join(home, 'data'),
      },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

export interface RenderOptions {
  readonly release?: string;
  readonly namespace?: string;
}

/** `helm template` of the chart with these values files: its output, or why it failed. */
export function template(valuesFiles: readonly string[], options: RenderOptions = {}) {
  return helm([
    'template',
    options.release ?? 'quickcd',
    chartDir,
    '--namespace',
    options.namespace ?? 'quickcd',
    ...valuesFiles.flatMap((f) => ['-f', f]),
  ]);
}

/** The manifests `helm template` renders with REQUIRED and then `values` (throws on failure). */
export async function render(
  values: Values = {},
  options: RenderOptions = {},
): Promise<{ yaml: string; objects: Manifest[] }> {
  const out = await template([valuesFile(REQUIRED), valuesFile(values)], options);
  if (out.code !== 0) throw new Error(`helm template failed: ${out.stderr}`);
  return { yaml: out.stdout, objects: loadAllYaml(out.stdout).filter(Boolean) as Manifest[] };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking rendered manifests
export type Manifest = KubernetesObject & Record<string, any>;

/** The one rendered object of `kind` (and `name`, when several). */
export function find(objects: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = objects.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata?.name === name),
  );
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, got ${found.length}`);
  }
  return found[0] as Manifest;
}

/** The scheduler container's plain env (name → value) of a rendered Deployment. */
export function schedulerEnv(objects: readonly Manifest[]): Record<string, string> {
  const container = find(objects, 'Deployment').spec.template.spec.containers[0] as {
    env: { name: string; value?: string }[];
  };
  return Object.fromEntries(
    container.env.flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
  );
}
