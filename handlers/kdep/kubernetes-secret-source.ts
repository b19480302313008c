import { QuickcdError } from '../../common/errors.js';
import { CommandError } from '../command-error.js';
import type { Shell } from '../shell.js';
import type { SecretSource } from './secret-source.js';

/**
 * Secrets kept as Kubernetes Secrets in one source namespace: a reference is `name` (key
 * `value`, as kdep stores them) or `name/key`. `sh` must not log output (a quiet shell): the
 * values pass through its stdout.
 */
export function kubernetesSecretSource(sh: Shell, namespace: string): SecretSource {
  return {
    description: `Kubernetes Secrets in namespace ${namespace}`,
    async read(reference) {
      const [name = '', key = 'value'] = reference.split('/');
      let json: string;
      try {
        json = await sh.with({
          quiet: true,
        })`kubectl get secret ${name} --namespace ${namespace} -o json`;
      } catch (e) {
        if (!(e instanceof CommandError)) throw e;
        throw unavailable(
          reference,
          `kubectl could not read Secret ${name} in namespace ${namespace} (create it there, or set the secrets namespace): ${e.stderr.trim().split('\n').pop() ?? ''}`,
        );
      }
      const data = (JSON.parse(json) as { data?: Record<string, string> }).data ?? {};
      const encoded = data[key];
      if (encoded === undefined) {
        throw unavailable(
          reference,
          `Secret ${name} in namespace ${namespace} has no key "${key}" (it has: ${Object.keys(data).join(', ') || 'none'})`,
        );
      }
      return Buffer.from(encoded, 'base64').toString('utf8');
    },
  };
}

function unavailable(reference: string, message: string): QuickcdError {
  return new QuickcdError('KDEP_SECRET_UNAVAILABLE', message, { reference });
}
