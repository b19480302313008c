/** One line a chaos handler (or the runner killer) wrote to the journal, in arrival order. */
export interface JournalEntry {
  /** Milliseconds since the epoch, on the journal server's clock (the same machine). */
  readonly t: number;
  readonly phase: 'start' | 'done' | 'killed';
  readonly repo: string;
  readonly event: string;
  readonly handler: string;
  readonly lane: 'blocking' | 'nonblocking';
  /** The runner process that ran the handler. */
  readonly pid: number;
  /** Its parent: the runner's supervisor, which writes the result. */
  readonly ppid?: number;
  /** The launch it ran in (local executor: the run directory, named for event, lane, attempt). */
  readonly run?: string;
}

/** An event as the store holds it after a run (`quickcd events --json`). */
export interface StoredRecord {
  readonly repo: string;
  readonly id: string;
  readonly status: string;
  /** Milliseconds since the epoch. */
  readonly storedAt: number;
}

/** An event the chaos run added to GitHub that some handler wants. */
export interface WantedEvent {
  readonly repo: string;
  readonly id: string;
}

/** A broken invariant: which, the event that broke it (when one did), and how. */
export interface Violation {
  readonly invariant: string;
  readonly event?: string;
  readonly detail: string;
}

/** What one checker found: the figures it prints, and its violations (none when it holds). */
export interface InvariantResult {
  readonly invariant: string;
  readonly figures: string;
  readonly violations: readonly Violation[];
}
