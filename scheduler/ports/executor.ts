import type { Lane } from '../../handlers/registry.js';
import type { HandlerResult } from '../../common/run-result.js';
import type { StoredEvent } from './event-store.js';

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

export interface Launch {
  /** Deterministic from (repo, event id, lane, attempt): the Job name, or the local run id. */
  readonly name: string;
  /** True when the launch existed already (launched before a restart) and was adopted. */
  readonly adopted: boolean;
}

export interface RunOutcome {
  readonly ok: boolean;
  /** Per-handler results from the runner; undefined when it died before writing them. */
  readonly results: readonly HandlerResult[] | undefined;
  /** Why it failed as a whole (deadline, OOM, image pull…), when known. */
  readonly reason?: string;
}

/** Runs the runner for one (event, lane, attempt): a Job, or a local child process. */
export interface Executor {
  /** Starts the run, or adopts the one that already exists for the same spec. */
  launch(spec: LaunchSpec): Promise<Launch>;
  /** The existing run for this spec, if any (after a restart). */
  find(spec: LaunchSpec): Promise<Launch | undefined>;
  /** Resolves when the run has finished. Rejects only when `signal` aborts. */
  wait(launch: Launch, spec: LaunchSpec, signal: AbortSignal): Promise<RunOutcome>;
}
