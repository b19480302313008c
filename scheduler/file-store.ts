import { watch } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { QuickcdError, errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { compareEventIds } from '../handlers/event.js';
import { atomicWrite } from './atomic-write.js';
import { cursorSchema } from './cursor.js';
import { withFileLock } from './file-lock.js';
import type { EventFilter, EventStatus, EventStore, StoredEvent } from './ports/event-store.js';
import { storedEventProblems } from './stored-event-problems.js';

export interface FileStoreOptions {
  /**
   * Holds `events/<owner>~<repo>~<id>.json`, `cursors/<owner>~<repo>.json`, and `open/`: an
   * empty file per event that may still need work (pending, running, failed), so a dispatch
   * pass reads those and not the history.
   */
  readonly stateDir: string;
  /** Create the state directory when missing (the scheduler); operator commands do not. */
  readonly create?: boolean;
  /** Where a quarantined (corrupt) event file is reported. */
  readonly log?: Logger;
}

const SEP = '~'; // not allowed in GitHub owner or repository names
/** Statuses of events that may still need work: these have a marker in `open/`. */
const OPEN: readonly EventStatus[] = ['pending', 'running', 'failed'];
const isOpen = (status: EventStatus) => OPEN.includes(status);

/**
 * The embedded event store: a directory of JSON files. Every write is atomic (write, fsync,
 * rename), so a crash at any point leaves a readable store; updates hold a lock file, so the
 * scheduler and `quickcd retry|skip` can write the same event.
 */
export function createFileStore({ stateDir, create = true, log }: FileStoreOptions): EventStore {
  const eventsDir = join(stateDir, 'events');
  const cursorsDir = join(stateDir, 'cursors');
  const openDir = join(stateDir, 'open');
  const ready = create
    ? Promise.all([
        mkdir(eventsDir, { recursive: true }),
        mkdir(cursorsDir, { recursive: true }),
      ]).catch((error: unknown) => {
        throw failure(
          `cannot create the state directory ${stateDir}: ${errorMessage(error)}`,
          error,
        );
      })
    : Promise.resolve();
  const listEventFiles = () =>
    readdir(eventsDir).catch((error: unknown) => {
      if (!create && (error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    });

  const eventFile = (repo: string, id: string) =>
    join(eventsDir, `${repo.replace('/', SEP)}${SEP}${id}.json`);
  const openMarker = (file: string) => join(openDir, basename(file));

  /**
   * The open markers are a superset of the open events: a marker is made before an event
   * becomes open and removed after it is written final, so a crash between the two leaves a
   * marker too many (dropped at the next listing), never one too few. A state directory
   * without `open/` (written by an older quickcd) gets its index from one full scan.
   */
  let indexed: Promise<void> | undefined;
  const index = () =>
    (indexed ??= (async () => {
      await ready;
      if (
        await stat(openDir).then(
          () => true,
          () => false,
        )
      )
        return;
      const building = `${openDir}.${process.pid}.tmp`;
      await rm(building, { recursive: true, force: true });
      await mkdir(building);
      for (const f of (await listEventFiles()).filter((n) => EVENT_FILE.test(n))) {
        const stored = await read(join(eventsDir, f)).catch(() => undefined);
        if (stored && isOpen(stored.status)) await writeFile(join(building, f), '');
      }
      await rename(building, openDir).catch(async (error: unknown) => {
        await rm(building, { recursive: true, force: true });
        // Built meanwhile by another process: theirs is as good.
        if (
          !(await stat(openDir).then(
            () => true,
            () => false,
          ))
        )
          throw error;
      });
    })().catch((error: unknown) => {
      indexed = undefined;
      throw failure(`cannot index the open events in ${openDir}: ${errorMessage(error)}`, error);
    }));
  const markOpen = async (file: string) => {
    await index();
    await writeFile(openMarker(file), '');
  };
  const markFinal = async (file: string) => {
    await index();
    await rm(openMarker(file), { force: true });
  };
  const cursorFile = (repo: string) => join(cursorsDir, `${repo.replace('/', SEP)}.json`);

  async function read(file: string): Promise<StoredEvent | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw failure(`cannot read ${file}: ${errorMessage(error)}`, error);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw corrupt(file, `it is not valid JSON (${errorMessage(error)})`, error);
    }
    const problems = storedEventProblems(value);
    if (problems.length > 0)
      throw corrupt(file, `it is not a stored event: ${problems.join('; ')}`);
    return value as StoredEvent;
  }

  /**
   * A corrupt event file is set aside as `<file>.corrupt` (kept for the operator, out of the
   * store) and reported; the other events go on.
   */
  async function quarantine(file: string, error: QuickcdError): Promise<void> {
    const aside = `${file}.corrupt`;
    await rename(file, aside).catch(() => undefined);
    log?.error(
      { err: error, file, quarantined: aside },
      `quarantined a corrupt stored event: it is set aside as ${aside} and not dispatched (fix it and rename it back, or delete it)`,
    );
  }

  async function findFile(id: string, repo?: string): Promise<string | undefined> {
    await ready;
    if (repo) return eventFile(repo, id);
    const name = (await listEventFiles()).find((f) => f.endsWith(`${SEP}${id}.json`));
    return name && join(eventsDir, name);
  }

  /** Reads the matching events one file at a time (see EventStore.scanEvents). */
  async function scan(filter: EventFilter, visit: (event: StoredEvent) => void): Promise<void> {
    await ready;
    // Only open events wanted (a dispatch pass): only the open ones are read. Operator
    // commands scan everything (they also work on a state directory that is not there).
    const openOnly = create && filter.status !== undefined && filter.status.every(isOpen);
    if (openOnly) await index();
    // A file's name holds its repository: other repositories' files are not read.
    const prefix = filter.repo === undefined ? '' : `${filter.repo.replace('/', SEP)}${SEP}`;
    const files = (openOnly ? await readdir(openDir) : await listEventFiles()).filter(
      (f) => EVENT_FILE.test(f) && f.startsWith(prefix),
    );
    for (const f of files) {
      let stored: StoredEvent | undefined;
      try {
        stored = await read(join(eventsDir, f));
      } catch (error) {
        if (!(error instanceof QuickcdError) || error.code !== 'STORE_CORRUPT') throw error;
        await quarantine(join(eventsDir, f), error);
        continue;
      }
      if (!stored) {
        // Deleted meanwhile (or a marker left by a crash).
        if (openOnly) await rm(join(openDir, f), { force: true });
        continue;
      }
      if (openOnly && !isOpen(stored.status)) await markFinal(join(eventsDir, f));
      if (filter.repo && stored.repo !== filter.repo) continue;
      if (filter.status && !filter.status.includes(stored.status)) continue;
      visit(stored);
    }
  }

  return {
    async putEvent(event) {
      await ready;
      const file = eventFile(event.repo, event.id);
      return withFileLock(file, async () => {
        if (await read(file)) return false;
        if (isOpen(event.status)) await markOpen(file);
        await atomicWrite(file, JSON.stringify(event));
        return true;
      });
    },

    async getEvent(id, repo) {
      const file = await findFile(id, repo);
      return file ? read(file) : undefined;
    },

    async listEvents(filter = {}) {
      const events: StoredEvent[] = [];
      await scan(filter, (event) => void events.push(event));
      return events.sort((a, b) => compareEventIds(a.id, b.id));
    },

    scanEvents: scan,

    async updateEvent(repo, id, mutate) {
      await ready;
      const file = eventFile(repo, id);
      return withFileLock(file, async () => {
        const current = await read(file);
        if (!current) {
          throw new QuickcdError('EVENT_NOT_FOUND', `event ${id} of ${repo} is not stored`, {
            eventId: id,
            repo,
          });
        }
        const next = mutate(current);
        if (isOpen(next.status)) await markOpen(file);
        await atomicWrite(file, JSON.stringify(next));
        if (!isOpen(next.status)) await markFinal(file);
        return next;
      });
    },

    async deleteEvent(repo, id) {
      await ready;
      await rm(eventFile(repo, id), { force: true });
      await markFinal(eventFile(repo, id));
    },

    async getCursor(repo) {
      await ready;
      try {
        return cursorSchema.parse(JSON.parse(await readFile(cursorFile(repo), 'utf8')));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw failure(
          `cannot read the cursor ${cursorFile(repo)} (${errorMessage(error)}); delete it to start polling ${repo} afresh`,
          error,
        );
      }
    },

    async putCursor(repo, cursor) {
      await ready;
      await atomicWrite(cursorFile(repo), JSON.stringify(cursor));
    },

    subscribe(onChange) {
      let timer: NodeJS.Timeout | undefined;
      let watcher: ReturnType<typeof watch> | undefined;
      let closed = false;
      // Best effort: without it (inotify limits) changes by other processes are seen at the
      // scheduler's periodic resync instead of at once.
      void ready
        .then(() => {
          if (closed) return;
          watcher = watch(eventsDir, (_type, name) => {
            if (!name?.endsWith('.json')) return;
            clearTimeout(timer);
            timer = setTimeout(onChange, 50);
          });
          watcher.on('error', () => watcher?.close());
          watcher.unref();
        })
        .catch(() => undefined);
      return () => {
        closed = true;
        clearTimeout(timer);
        watcher?.close();
      };
    },
  };
}

const EVENT_FILE = /~\d+\.json$/;

function corrupt(file: string, what: string, cause?: unknown): QuickcdError {
  return new QuickcdError('STORE_CORRUPT', `${file} is corrupt: ${what}; fix or delete the file`, {
    file,
    ...(cause === undefined ? {} : { cause }),
  });
}

function failure(message: string, cause: unknown): QuickcdError {
  return new QuickcdError('STORE_FAILED', message, { cause });
}
