import type { Lane } from '../../handlers/registry.js';
import type { HandlerResult } from '../../common/run-result.js';
import type { StoredEvent } from './event-store.js';

/** One (event, lane, attempt): what is launched, and what is observed. */
export interface LaunchSpec {
  readonly event: StoredEvent;
  readonly lane: Lane;
  /** 1 for the first run. */
  readonly attempt: number;
  /** Handlers of this lane already complete: the runner skips them. */
  readonly completed: readonly string[];
  /** The longest handler timeout of the lane, plus margin: the runner's deadline. */
  readonly timeoutSeconds: number;
}

/** A launch: started, adopted, or refused (it certainly did not start: the API said no). */
export type Launch =
  | {
      /** Deterministic from (repo, event id, lane, attempt): the Job name, or the run id. */
      readonly name: string;
      /** True when the run existed already (launched before a restart) and was adopted. */
      readonly adopted: boolean;
    }
  | { readonly name: string; readonly refused: string };

export interface RunOutcome {
  readonly ok: boolean;
  /** Per-handler results from the runner; undefined when it died before writing them. */
  readonly results: readonly HandlerResult[] | undefined;
  /** Why it failed as a whole (deadline, OOM, image pull…), when known. */
  readonly reason?: string;
}

/**
 * What the executor sees of one run now. `absent` is definite (a 404, no run directory): a
 * failing look throws instead, since an error is never evidence of absence.
 */
export type Observation =
  | { readonly state: 'absent' }
  | {
      readonly state: 'running';
      readonly name: string;
      /** When it needs another look even if no change is notified (liveness, deadline). */
      readonly lookAgainInMs?: number;
    }
  | { readonly state: 'finished'; readonly name: string; readonly outcome: RunOutcome };

/**
 * Runs the runner for one (event, lane, attempt): a Job, or a local process group. The
 * dispatcher never waits on a run: it observes it when told that something changed.
 */
export interface Executor {
  /**
   * Starts the run; one that exists already (same deterministic name) is adopted, never
   * started twice. Resolves `refused` when the run certainly did not start (the API refused
   * it); a rejection leaves the question open (it may have started).
   */
  launch(spec: LaunchSpec): Promise<Launch>;
  /** What the run of this spec is now. Rejects when it cannot tell. */
  observe(spec: LaunchSpec): Promise<Observation>;
  /** Calls `onChange` soon after any run may have changed. Returns the unsubscribe function. */
  subscribe(onChange: () => void): () => void;
  /** Called once the outcome of a finished run is recorded: it may go (finalizer, files). */
  release?(spec: LaunchSpec): Promise<void>;
  /**
   * No more launches go through this executor (the handlers changed: a new one launches):
   * what it keeps ready for the next launch (the local executor's warm spare) is dropped. It
   * still observes.
   */
  retire?(): void;
}
