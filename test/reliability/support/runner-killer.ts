import { readFileSync } from 'node:fs';
import type { JournalEntry } from '../invariants/types.js';
import type { Rng } from './create-rng.js';

/** Whether `pid` is a `quickcd runner` process (never the suite itself, the node agent…). */
function isRunner(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('runner');
  } catch {
    return false;
  }
}

export interface RunnerKiller {
  /** Give it every journal entry: on a handler start it may schedule a SIGKILL of the runner. */
  onEntry(entry: JournalEntry): void;
  readonly kills: number;
  stop(): void;
}

/**
 * Kills runner processes mid-handler: on a handler start, with `chance` (at most once per
 * event), SIGKILL of the runner after a delay drawn below the handler's hold, unless it
 * completed first: half the time the handler's process only (its supervisor reports the
 * handler failed), half the time the supervisor first (the run ends with no result at all).
 * Each kill is recorded in the journal (phase `killed`).
 */
export function runnerKiller(
  rng: Rng,
  chance: number,
  delayMs: readonly [number, number],
  record: (entry: JournalEntry) => void,
): RunnerKiller {
  const killedEvents = new Set<string>();
  const finished = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let kills = 0;
  let stopped = false;
  return {
    get kills() {
      return kills;
    },
    onEntry(e) {
      const run = `${e.pid}/${e.event}/${e.handler}`;
      if (e.phase !== 'start') {
        finished.add(run);
        return;
      }
      if (stopped || killedEvents.has(e.event) || !rng.chance(chance)) return;
      killedEvents.add(e.event);
      const whole = e.ppid !== undefined && e.ppid > 1 && rng.chance(0.5);
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          if (finished.has(run)) return;
          try {
            if (!isRunner(e.pid)) return;
            if (whole && isRunner(e.ppid)) process.kill(e.ppid, 'SIGKILL');
            process.kill(e.pid, 'SIGKILL');
          } catch {
            return; // already gone
          }
          kills += 1;
          record({ ...e, phase: 'killed', t: Date.now() });
        },
        rng.int(delayMs[0], delayMs[1]),
      );
      timers.add(timer);
    },
    stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
