import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { LoadedHandlers } from '../handlers/load-handlers.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Clock } from '../common/clock.js';
import type { Readiness } from './readiness.js';

export interface HandlersReloaderOptions {
  /** The handlers file (as configured). */
  readonly file: string;
  /** What was loaded at start. */
  readonly initial: LoadedHandlers;
  readonly load: (file: string) => Promise<LoadedHandlers>;
  /** Publishes the new handlers and uses them for runs launched from now on. */
  readonly apply: (loaded: LoadedHandlers) => Promise<void>;
  /** Told of every reload: log, metric and Kubernetes Event are the caller's. */
  readonly reported: (result: { ok: true; hash: string } | { ok: false; error: string }) => void;
  readonly readiness: Readiness;
  readonly log: Logger;
  readonly clock: Clock;
  /** How often the files are looked at (ms). */
  readonly intervalMs: number;
}

/** SHA-256 over the entry and every file the bundle was built from (missing ones included). */
async function fingerprint(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of [...new Set(paths)].sort()) {
    hash.update(path).update('\0');
    hash.update(await readFile(path).catch(() => Buffer.from('\0missing\0')));
    hash.update('\0');
  }
  return hash.digest('hex');
}

const inputsOf = (loaded: LoadedHandlers) => [
  loaded.bundle.entry,
  ...(loaded.bundle.inputs ?? []).map((i) => i.path).filter((p) => !p.includes('node_modules')),
];

/**
 * Follows the handlers file: every `intervalMs` the entry and the files it imports (a mounted
 * ConfigMap, a file edited on disk) are fingerprinted; on a change the file is loaded and
 * validated, then published and used for new runs. A file that fails to load is reported
 * (not ready: `handlers`) and the previous handlers stay in use until a later change loads.
 */
export async function followHandlersFile(
  options: HandlersReloaderOptions,
  signal: AbortSignal,
): Promise<void> {
  const { log, readiness, clock } = options;
  let watched = inputsOf(options.initial);
  let seen = await fingerprint(watched);
  while (!signal.aborted) {
    await clock.sleep(options.intervalMs, signal);
    if (signal.aborted) return;
    const now = await fingerprint(watched);
    if (now === seen) continue;
    seen = now;
    try {
      const loaded = await options.load(options.file);
      await options.apply(loaded);
      watched = inputsOf(loaded);
      seen = await fingerprint(watched);
      readiness.clear('handlers');
      log.info(
        {
          file: options.file,
          hash: loaded.bundle.hash,
          handlers: loaded.registry.handlers.map((h) => h.name),
        },
        'handlers file changed: reloaded; new runs use it',
      );
      options.reported({ ok: true, hash: loaded.bundle.hash });
    } catch (error) {
      const message = errorMessage(error);
      readiness.set(
        'handlers',
        `the changed handlers file ${options.file} failed to load (the previous handlers stay in use): ${message}`,
      );
      log.error(
        { file: options.file, err: error },
        'handlers file changed but failed to load: the previous handlers stay in use',
      );
      options.reported({ ok: false, error: message });
    }
  }
}
