import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { apiStatusCode } from './kubernetes-api-error.js';
import { LABEL, MANAGED_BY, handlersConfigMapName, labelValue } from './names.js';

export interface PublishHandlersOptions {
  readonly core: CoreV1Api;
  readonly namespace: string;
  /** The scheduler's handlers file. */
  readonly file: string;
  /** Which scheduler publishes (its Lease name): labelled, so it prunes only its own. */
  readonly scheduler: string;
  readonly log: Logger;
}

/** Where the handler Jobs find the handlers file: ConfigMap name and key (the file name). */
export interface PublishedHandlers {
  readonly name: string;
  readonly file: string;
}

/**
 * Publishes the handlers file as an immutable, content-addressed ConfigMap, so every Job runs
 * exactly the handlers the scheduler had when it launched it (a changed file is a new
 * ConfigMap). Publishing the same content again is a no-op. Old ones are removed by
 * pruneHandlers once no Job mounts them.
 */
export async function publishHandlers(options: PublishHandlersOptions): Promise<PublishedHandlers> {
  const { core, namespace, file, scheduler, log } = options;
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new QuickcdError(
      'HANDLERS_LOAD_FAILED',
      `Cannot read handlers file ${file}: ${errorMessage(error)}`,
      { file, cause: error },
    );
  }
  const key = basename(file);
  const name = handlersConfigMapName(content, scheduler);
  try {
    await core.createNamespacedConfigMap({
      namespace,
      body: {
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
      },
    });
    log.info({ configMap: name, file }, 'published the handlers file');
  } catch (error) {
    if (apiStatusCode(error) !== 409) {
      throw new QuickcdError(
        'EXECUTOR_FAILED',
        `Cannot publish the handlers file as ConfigMap ${namespace}/${name}: ${errorMessage(error)}`,
        { file, cause: error },
      );
    }
    // Same name, same content (the name is its hash) — but the key is the file name.
    const existing = await core.readNamespacedConfigMap({ namespace, name });
    if (existing.data?.[key] === undefined) {
      throw new QuickcdError(
        'EXECUTOR_FAILED',
        `ConfigMap ${namespace}/${name} exists without key ${key}: delete it or rename the handlers file back`,
        { file },
      );
    }
    log.debug({ configMap: name, file }, 'handlers file already published');
  }
  return { name, file: key };
}
