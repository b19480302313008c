import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { HandlersBundle } from '../handlers/bundle-handlers.js';
import { atomicWrite } from './atomic-write.js';

/**
 * Writes the handlers bundle the local executor's runners load: `<dir>/<name>-<hash>.mjs`,
 * content-addressed like the Kubernetes ConfigMap, so a run keeps its file when the scheduler
 * restarts with other handlers. Returns its path.
 */
export async function writeHandlersBundle(dir: string, bundle: HandlersBundle): Promise<string> {
  const file = join(dir, `${basename(bundle.fileName, '.mjs')}-${bundle.hash.slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    await mkdir(dir, { recursive: true });
    await atomicWrite(file, bundle.code);
  }
  return file;
}
