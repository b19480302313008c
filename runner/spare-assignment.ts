import { QuickcdError } from '../common/errors.js';

/** Exit status of a spare runner whose stdin closed before it was given a run: nothing ran. */
export const SPARE_UNASSIGNED_EXIT = 75;

/** The run a spare is given: the per-event options of `quickcd runner`. */
export interface SpareAssignment {
  readonly event: string;
  readonly lane?: string;
  readonly result?: string;
  readonly completed?: string;
  readonly matched?: string;
  /**
   * The run's directory, where the spare's own directory (its cwd) was moved: the runner makes
   * it its cwd again (Node keeps the old path otherwise).
   */
  readonly dir?: string;
}

const KEYS = ['event', 'lane', 'result', 'completed', 'matched', 'dir'] as const;

/** The assignment in `text` (JSON); throws USAGE naming what is wrong. */
export function parseSpareAssignment(text: string): SpareAssignment {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new QuickcdError('USAGE', 'spare runner: the run read from stdin is not JSON');
  }
  const record = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || typeof record.event !== 'string') {
    throw new QuickcdError('USAGE', 'spare runner: the run read from stdin has no "event" file');
  }
  const out: Record<string, string> = {};
  for (const key of KEYS) {
    const v = record[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') {
      throw new QuickcdError('USAGE', `spare runner: "${key}": expected a string`);
    }
    out[key] = v;
  }
  return out as unknown as SpareAssignment;
}

/**
 * The supervisor of a spare: stdin read to its end. Resolves with the run, or undefined when
 * stdin closed empty (the scheduler went away, or dropped the spare).
 */
export function readSpareAssignment(
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<SpareAssignment | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stdin.on('data', (chunk: Buffer) => chunks.push(chunk));
    stdin.on('error', () => resolve(undefined));
    stdin.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve(undefined);
      try {
        resolve(parseSpareAssignment(text));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

/**
 * The supervised child of a spare: resolves with the run its supervisor sends (IPC). Tells the
 * supervisor it listens, so that the run is not sent before anyone hears it.
 */
export function awaitAssignedRun(): Promise<SpareAssignment> {
  return new Promise((resolve) => {
    const onMessage = (message: { type?: string; run?: SpareAssignment }) => {
      if (message?.type !== 'assign' || message.run === undefined) return;
      process.off('message', onMessage);
      resolve(message.run);
    };
    process.on('message', onMessage);
    process.send?.({ type: 'spare-listening' });
  });
}
