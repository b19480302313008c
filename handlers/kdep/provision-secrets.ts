import { createHash } from 'node:crypto';
import type { Shell } from '../shell.js';
import type { CommentLog } from '../context.js';
import { mergeValues, type Values } from './merge-values.js';
import type { SecretSource } from './secret-source.js';

/** A Secret made for a chart: `kdep.secrets.<key>` is now its name. */
export interface ProvisionedSecret {
  readonly key: string;
  readonly name: string;
}

/**
 * The name of the Secret holding `value` for `key`: the key (as a DNS label) and the first 20
 * hex digits of the SHA-256 of the value, so a changed value gets a new name (rolling the Pods
 * that use it) and a rollback finds the Secret its revision used still there.
 */
export function secretName(key: string, value: string): string {
  const label =
    key
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'secret';
  return `kdep-${label}-${createHash('sha256').update(value).digest('hex').slice(0, 20)}`;
}

/**
 * Reads every secret named in `values.kdep.secrets` from `source`, creates it (unless `dryRun`)
 * in `namespace` as a Secret with one key, `value`, under its content-hashed name, and returns
 * the values with each reference replaced by that name. Values go to kubectl on stdin only:
 * never in a command line, a comment or a log.
 */
export async function provisionSecrets(args: {
  readonly sh: Shell;
  readonly log: CommentLog;
  readonly values: Values;
  readonly namespace: string;
  readonly source: SecretSource;
  readonly dryRun: boolean;
  readonly chart: string;
  /** Run once before the first Secret is created (e.g. to create the namespace). */
  readonly beforeCreate?: () => Promise<unknown>;
}): Promise<{ values: Values; secrets: ProvisionedSecret[] }> {
  const wanted = (args.values.kdep as { secrets?: unknown } | undefined)?.secrets;
  if (!wanted || typeof wanted !== 'object') return { values: args.values, secrets: [] };
  const secrets: ProvisionedSecret[] = [];
  const names: Record<string, string> = {};
  for (const [key, reference] of Object.entries(wanted as Record<string, unknown>)) {
    const value = await args.source.read(String(reference), args.namespace);
    const name = secretName(key, value);
    secrets.push({ key, name });
    names[key] = name;
    if (args.dryRun) continue;
    if (secrets.length === 1) await args.beforeCreate?.();
    const manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: {
        name,
        namespace: args.namespace,
        labels: { 'app.kubernetes.io/managed-by': 'quickcd-kdep' },
        annotations: { 'quickcd.dev/kdep-chart': args.chart, 'quickcd.dev/kdep-key': key },
      },
      data: { value: Buffer.from(value).toString('base64') },
    };
    await args.sh.with({
      input: JSON.stringify(manifest),
    })`kubectl apply --namespace ${args.namespace} -f -`;
  }
  args.log(
    `Secrets of ${args.chart}${args.dryRun ? ' (dry run: not created)' : ''}`,
    `from ${args.source.description}:\n` + secrets.map((s) => `${s.key}: ${s.name}`).join('\n'),
  );
  return { values: mergeValues(args.values, { kdep: { secrets: names } }), secrets };
}
