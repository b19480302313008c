import { loadConfig } from '../../common/config.js';
import { QuickcdError } from '../../common/errors.js';
import { createLogger } from '../../common/logger.js';
import type { EventStore } from '../../scheduler/ports/event-store.js';
import { commonOptions, type CommandInput } from '../command.js';

/** Options of the operator commands (`events`, `retry`, `skip`, `logs`): all the same. */
export const storeOptions = {
  repo: { type: 'string' },
  store: { type: 'string' },
  'state-dir': { type: 'string' },
  executor: { type: 'string' },
  kubeconfig: { type: 'string' },
  namespace: { type: 'string' },
  ...commonOptions,
} as const;

export const storeUsage = `  --repo <owner/name>   the event's repository (when ids could clash)
  --store <kind>        kubernetes (ConfigMaps, default) | file (or QUICKCD_STORE)
  --state-dir <dir>     the scheduler's state directory (default .quickcd; never created)
  --executor <kind>     kubernetes (Jobs, default) | local (or QUICKCD_EXECUTOR); what
                        quickcd logs reads
  --kubeconfig <file>   outside a cluster (or KUBECONFIG; in a Pod: its service account)
  --namespace <ns>      Kubernetes namespace (or QUICKCD_NAMESPACE)
  --log-level <level>   trace | debug | info | warn (default) | error | fatal | silent`;

export async function openStore({
  flags,
  env,
}: Pick<CommandInput, 'flags' | 'env'>): Promise<EventStore> {
  const config = loadConfig(env, { ...flags, 'log-level': flags['log-level'] ?? 'warn' });
  const log = createLogger({ level: config.logLevel, format: config.logFormat });
  // Loaded here, not at start-up: every command would otherwise load the Kubernetes client.
  const { createAdapters } = await import('../create-adapters.js');
  const adapters = await createAdapters(config, log, { operator: true });
  // An unreachable cluster is named as `quickcd scheduler` names it (the server, exit 2), not
  // left to the first list's raw connection error.
  if (config.store === 'kubernetes') await adapters.checkCluster();
  return adapters.store();
}

/** The one event id a command takes, or a usage error showing the form. */
export function eventIdArgument(positionals: readonly string[], command: string): string {
  const [id, ...extra] = positionals;
  if (id === undefined || extra.length > 0 || !/^\d+$/.test(id)) {
    throw new QuickcdError(
      'USAGE',
      `expected one event id (digits), e.g. quickcd ${command} 45123456789; got ${positionals.length ? positionals.join(' ') : 'none'}`,
    );
  }
  return id;
}
