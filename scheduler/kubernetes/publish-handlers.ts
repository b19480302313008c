import type { CoreV1Api } from '@kubernetes/client-node';
import { bundleHandlers, type HandlersBundle } from '../../handlers/bundle-handlers.js';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { apiStatusCode } from './kubernetes-api-error.js';
import { LABEL, MANAGED_BY, handlersConfigMapName, labelValue } from './names.js';
import { kubeCall } from './kube-call.js';
import { retryTransient, type TransientRetry } from './retry-transient.js';

export interface PublishHandlersOptions {
  readonly core: CoreV1Api;
  readonly namespace: string;
  /** The scheduler's handlers file (bundled when `bundle` is not given). */
  readonly file: string;
  /** Which scheduler publishes (its Lease name): labelled, so it prunes only its own. */
  readonly scheduler: string;
  /** Its bundle, as the scheduler loaded it: what the Jobs run. */
  readonly bundle?: HandlersBundle;
  readonly log: Logger;
  /** Retrying a throttled or failing API server (tests shorten it). */
  readonly retry?: TransientRetry;
}

/** Where the handler Jobs find the handlers bundle: ConfigMap name and key (file name). */
export interface PublishedHandlers {
  readonly name: string;
  readonly file: string;
}

/** Kubernetes refuses ConfigMaps over 1 MiB; some of it is the object's metadata. */
export const HANDLERS_BUNDLE_LIMIT_BYTES = 1_048_576 - 16_384;

/**
 * Publishes the handlers bundle (the handlers file and every module it imports, in one file)
 * as an immutable, content-addressed ConfigMap, so every Job runs exactly the handlers the
 * scheduler had when it launched it (a changed file is a new ConfigMap). Publishing the same
 * content again is a no-op; old ones are removed by pruneHandlers once no Job mounts them. A
 * bundle too large for a ConfigMap fails, naming its largest parts.
 */
export async function publishHandlers(options: PublishHandlersOptions): Promise<PublishedHandlers> {
  const { core, namespace, file, scheduler, log } = options;
  const bundle = options.bundle ?? (await bundleHandlers(file));
  const content = bundle.code;
  const size = Buffer.byteLength(content);
  if (size > HANDLERS_BUNDLE_LIMIT_BYTES) {
    const largest = (bundle.inputs ?? [])
      .slice(0, 3)
      .map((i) => `${i.path} (${i.bytes.toLocaleString('en-US')} bytes)`)
      .join(', ');
    throw new QuickcdError(
      'HANDLERS_LOAD_FAILED',
      `The handlers file ${bundle.entry} bundles to ${size.toLocaleString('en-US')} bytes with what it imports, more than the ${HANDLERS_BUNDLE_LIMIT_BYTES.toLocaleString('en-US')} a ConfigMap can hold` +
        `${largest ? ` (largest: ${largest})` : ''}: import less (data files and large packages), ` +
        'or read large data at run time (from the repository the handler checks out, or a mounted Secret)',
      { file: bundle.entry, size },
    );
  }
  const key = bundle.fileName;
  const name = handlersConfigMapName(content, scheduler);
  try {
    const body = {
      metadata: {
        name,
        labels: {
          [LABEL.managedBy]: MANAGED_BY,
          [LABEL.kind]: 'handlers',
          [LABEL.scheduler]: labelValue(scheduler),
        },
      },
      immutable: true,
      data: { [key]: content },
    };
    await retryTransient(
      `publishing the handlers as ConfigMap ${namespace}/${name}`,
      () =>
        kubeCall(
          'create',
          'configmaps',
          () => core.createNamespacedConfigMap({ namespace, body }),
          [409],
        ),
      log,
      options.retry,
    );
    log.info({ configMap: name, file: bundle.entry, bytes: size }, 'published the handlers bundle');
  } catch (error) {
    if (apiStatusCode(error) !== 409) {
      throw new QuickcdError(
        'EXECUTOR_FAILED',
        `Cannot publish the handlers file as ConfigMap ${namespace}/${name}: ${errorMessage(error)}`,
        { file, cause: error },
      );
    }
    // Same name, same content (the name is its hash) — but the key is the file name.
    const existing = await retryTransient(
      `reading the handlers ConfigMap ${namespace}/${name}`,
      () => kubeCall('get', 'configmaps', () => core.readNamespacedConfigMap({ namespace, name })),
      log,
      options.retry,
    ).catch((cause: unknown) => {
      throw new QuickcdError(
        'EXECUTOR_FAILED',
        `Cannot read the published handlers ConfigMap ${namespace}/${name}: ${errorMessage(cause)}`,
        { file, cause },
      );
    });
    if (existing.data?.[key] === undefined) {
      throw new QuickcdError(
        'EXECUTOR_FAILED',
        `ConfigMap ${namespace}/${name} exists without key ${key}: delete it or rename the handlers file back`,
        { file },
      );
    }
    log.debug({ configMap: name, file }, 'handlers bundle already published');
  }
  return { name, file: key };
}
