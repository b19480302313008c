import type { V1ConfigMap } from '@kubernetes/client-node';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import { cursorSchema, type Cursor } from '../cursor.js';
import { ANNOTATION } from './event-configmap.js';
import { LABEL, MANAGED_BY, cursorConfigMapName, repoLabel } from './names.js';

/** Key of the cursor JSON in the cursor ConfigMap's `data`. */
export const CURSOR_KEY = 'cursor.json';

/** The cursor ConfigMap of a repository (pure). */
export function cursorToConfigMap(repo: string, cursor: Cursor): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: cursorConfigMapName(repo),
      labels: {
        [LABEL.managedBy]: MANAGED_BY,
        [LABEL.kind]: 'cursor',
        [LABEL.repo]: repoLabel(repo),
      },
      annotations: { [ANNOTATION.repo]: repo },
    },
    data: { [CURSOR_KEY]: JSON.stringify(cursor) },
  };
}

/** The cursor held by a cursor ConfigMap (pure); undefined when it holds none. */
export function configMapToCursor(cm: V1ConfigMap): Cursor | undefined {
  const text = cm.data?.[CURSOR_KEY];
  if (text === undefined) return undefined;
  try {
    return cursorSchema.parse(JSON.parse(text));
  } catch (error) {
    const name = cm.metadata?.name ?? '(unnamed)';
    throw new QuickcdError(
      'STORE_FAILED',
      `Cursor ConfigMap "${name}" is unreadable (${errorMessage(error)}); delete it ` +
        `(kubectl delete configmap ${name}) to poll the repository afresh.`,
      { name, cause: error },
    );
  }
}
