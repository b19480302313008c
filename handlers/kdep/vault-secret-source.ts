import { QuickcdError } from '../../common/errors.js';
import type { Shell } from '../shell.js';
import { kubernetesSecretSource } from './kubernetes-secret-source.js';
import type { SecretSource } from './secret-source.js';

type Vars = Readonly<Record<string, string | undefined>>;

/**
 * Vault's (or OpenBao's) KV version 2 HTTP API at `VAULT_ADDR`. A reference is
 * `<mount>/<path>` (`secret/webapp/db`, a leading `/` allowed) and reads the field `value`, or
 * `<mount>/<path>#<field>`. Authentication as kdep does it: `VAULT_TOKEN` when set, else
 * AppRole login with `VAULT_ROLE_ID` / `VAULT_SECRET_ID`, or — when those are unset — the
 * `value` of the Secrets `vault-role-id` and `vault-secret-id` in the chart's namespace.
 * `VAULT_NAMESPACE` is sent when set.
 */
export function vaultSecretSource(args: {
  readonly vars: Vars;
  /** A quiet shell, to read the AppRole Secrets with kubectl. */
  readonly shell: Shell;
  readonly fetch?: typeof fetch;
}): SecretSource {
  const addr = (args.vars.VAULT_ADDR ?? '').replace(/\/+$/, '');
  const doFetch = args.fetch ?? fetch;
  const tokens = new Map<string, Promise<string>>();
  const headers = (token?: string): Record<string, string> => ({
    'content-type': 'application/json',
    ...(token ? { 'x-vault-token': token } : {}),
    ...(args.vars.VAULT_NAMESPACE ? { 'x-vault-namespace': args.vars.VAULT_NAMESPACE } : {}),
  });

  async function login(namespace: string): Promise<string> {
    if (args.vars.VAULT_TOKEN) return args.vars.VAULT_TOKEN;
    let roleId = args.vars.VAULT_ROLE_ID;
    let secretId = args.vars.VAULT_SECRET_ID;
    if (!roleId || !secretId) {
      const k8s = kubernetesSecretSource(args.shell, namespace);
      roleId = await k8s.read('vault-role-id', namespace);
      secretId = await k8s.read('vault-secret-id', namespace);
    }
    const response = await doFetch(`${addr}/v1/auth/approle/login`, {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ role_id: roleId, secret_id: secretId }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      auth?: { client_token?: string };
      errors?: string[];
    };
    const token = body.auth?.client_token;
    if (!response.ok || !token) {
      throw unavailable(
        'auth/approle/login',
        `Vault AppRole login at ${addr} failed (HTTP ${response.status}${body.errors?.length ? `: ${body.errors.join('; ')}` : ''}): check the role and secret ids, or set VAULT_TOKEN`,
      );
    }
    return token;
  }

  return {
    description: `Vault KV v2 at ${addr}`,
    async read(reference, namespace) {
      const [path = '', field = 'value'] = reference.replace(/^\/+/, '').split('#');
      const slash = path.indexOf('/');
      if (slash <= 0) {
        throw unavailable(
          reference,
          `"${reference}" is not <mount>/<path> (e.g. secret/webapp/db)`,
        );
      }
      const url = `${addr}/v1/${path.slice(0, slash)}/data/${path.slice(slash + 1)}`;
      if (!tokens.has(namespace)) tokens.set(namespace, login(namespace));
      const token = await tokens.get(namespace)!;
      const response = await doFetch(url, { headers: headers(token) });
      const body = (await response.json().catch(() => ({}))) as {
        data?: { data?: Record<string, unknown> };
        errors?: string[];
      };
      if (!response.ok) {
        throw unavailable(
          reference,
          `Vault refused ${reference} (HTTP ${response.status}${body.errors?.length ? `: ${body.errors.join('; ')}` : ''}): check the path and the token's policy`,
        );
      }
      const value = body.data?.data?.[field];
      if (typeof value !== 'string') {
        throw unavailable(reference, `Vault secret ${path} has no string field "${field}"`);
      }
      return value;
    },
  };
}

function unavailable(reference: string, message: string): QuickcdError {
  return new QuickcdError('KDEP_SECRET_UNAVAILABLE', message, { reference });
}
