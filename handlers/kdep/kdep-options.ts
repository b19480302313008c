import { QuickcdError } from '../../common/errors.js';
import type { Shell } from '../shell.js';
import { kubernetesSecretSource } from './kubernetes-secret-source.js';
import type { SecretSource } from './secret-source.js';
import { vaultSecretSource } from './vault-secret-source.js';

/** How a chart pipeline runs; every field has a default from the runner's environment. */
export interface KdepOptions {
  /** The `<env>` of `<env>-values.yaml`. Default `QUICKCD_ENVIRONMENT`, then `CD_ENVIRONMENT`. */
  readonly environment?: string;
  /** The `<region>` of `<region>-<env>-values.yaml`. Default `QUICKCD_REGION`, then `CD_REGION_DASHED`. */
  readonly region?: string;
  /** Render and diff, change nothing. Default: `CD_CHARTS_DEBUG` is `true` or `1`. */
  readonly dryRun?: boolean;
  /** Where `kdep.secrets` are read. Default: Vault when `VAULT_ADDR` is set, else Kubernetes. */
  readonly secrets?: SecretSource;
  /** The Kubernetes source's namespace. Default `KDEP_SECRETS_NAMESPACE`, then `QUICKCD_NAMESPACE`. */
  readonly secretsNamespace?: string;
  /** Deadline of each integration-test chart's Jobs. Default 600. */
  readonly testTimeoutSeconds?: number;
  /** `--timeout` of each Helm upgrade and rollback. Default 300. */
  readonly helmTimeoutSeconds?: number;
  /** Where to clone the App repository from. Default: the event's repository. */
  readonly source?: string;
  /** Commit status context. Default: the cluster id. */
  readonly statusContext?: string;
  /**
   * Create a chart's namespace when missing (`--create-namespace`). Default true; false when
   * the runner may act only in namespaces that exist (RBAC granted per namespace).
   */
  readonly createNamespaces?: boolean;
}

export interface ResolvedKdepOptions {
  readonly environment: string;
  readonly region: string | undefined;
  readonly dryRun: boolean;
  readonly secrets: () => SecretSource;
  readonly testTimeoutSeconds: number;
  readonly helmTimeoutSeconds: number;
  readonly statusContext: string | undefined;
  readonly createNamespaces: boolean;
}

type Vars = Readonly<Record<string, string | undefined>>;

/** Fills the defaults in; a missing environment is an error naming the variables to set. */
export function resolveKdepOptions(
  options: KdepOptions,
  vars: Vars,
  quietShell: Shell,
): ResolvedKdepOptions {
  const environment = options.environment ?? vars.QUICKCD_ENVIRONMENT ?? vars.CD_ENVIRONMENT;
  if (!environment) {
    throw new QuickcdError(
      'KDEP_OPTIONS_INVALID',
      'kdep needs the environment of <env>-values.yaml: set QUICKCD_ENVIRONMENT (or pass { environment })',
    );
  }
  const debug = vars.CD_CHARTS_DEBUG?.toLowerCase();
  return {
    environment,
    region: options.region ?? vars.QUICKCD_REGION ?? vars.CD_REGION_DASHED,
    dryRun: options.dryRun ?? (debug === 'true' || debug === '1'),
    secrets: () => {
      if (options.secrets) return options.secrets;
      if (vars.VAULT_ADDR) return vaultSecretSource({ vars, shell: quietShell });
      const namespace =
        options.secretsNamespace ?? vars.KDEP_SECRETS_NAMESPACE ?? vars.QUICKCD_NAMESPACE;
      if (!namespace) {
        throw new QuickcdError(
          'KDEP_OPTIONS_INVALID',
          'a chart names kdep.secrets but no secrets source is set: set KDEP_SECRETS_NAMESPACE (the namespace holding the source Secrets) or VAULT_ADDR',
        );
      }
      return kubernetesSecretSource(quietShell, namespace);
    },
    testTimeoutSeconds: options.testTimeoutSeconds ?? 600,
    helmTimeoutSeconds: options.helmTimeoutSeconds ?? 300,
    statusContext: options.statusContext,
    createNamespaces: options.createNamespaces ?? true,
  };
}
