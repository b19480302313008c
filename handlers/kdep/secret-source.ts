/**
 * Where kdep reads the secrets named in a chart's `kdep.secrets` (`key: reference`). The
 * reference's meaning is the source's: a Secret name in the Kubernetes source, a KV v2 path
 * in Vault's.
 */
export interface SecretSource {
  /** How the comment names the source, e.g. `Kubernetes Secrets in namespace cd-secrets`. */
  readonly description: string;
  /** The secret's value. `namespace` is the chart's. Throws `KDEP_SECRET_UNAVAILABLE`. */
  read(reference: string, namespace: string): Promise<string>;
}
