import type { HandlerDefinition, Lane } from '../handlers/registry.js';
import { laneOf } from '../handlers/registry.js';
import type { GitHubEvent } from '../handlers/event.js';
import type { EventStatus, HandlerState, LaneState, StoredEvent } from './ports/event-store.js';
import type { RunOutcome } from './ports/executor.js';
import { retryDelaySeconds } from './retry-delay.js';

/**
 * Pure transitions of a stored event (design, "Event lifecycle"): the scheduler computes the
 * next state with these, then writes it with a conditional update.
 */

export const LANES: readonly Lane[] = ['blocking', 'nonblocking'];

/** A newly polled event, with every handler that matched it pending. */
export function newStoredEvent(
  event: GitHubEvent,
  matched: readonly Pick<HandlerDefinition, 'name' | 'blocking'>[],
  now: Date,
  late = false,
): StoredEvent {
  const handlers: Record<string, HandlerState> = {};
  const lanes: Partial<Record<Lane, LaneState>> = {};
  for (const h of matched) {
    const lane = laneOf(h);
    handlers[h.name] = { lane, status: 'pending', attempts: 0 };
    lanes[lane] = { status: 'pending', attempts: 0 };
  }
  return {
    repo: event.repo.name,
    id: event.id,
    type: event.type,
    event,
    status: 'pending',
    lanes,
    handlers,
    storedAt: now.toISOString(),
    late,
  };
}

/**
 * A polled event whose payload is not what its typings promise (`problem` says which fields):
 * stored `failed` with the reason on every lane and handler, never run. A blocking one holds
 * its repository's lane like any failed event, until an operator skips it.
 */
export function newInvalidStoredEvent(
  event: GitHubEvent,
  matched: readonly Pick<HandlerDefinition, 'name' | 'blocking'>[],
  now: Date,
  problem: string,
  late = false,
): StoredEvent {
  const stored = newStoredEvent(event, matched, now, late);
  const lanes: Partial<Record<Lane, LaneState>> = {};
  for (const lane of LANES) {
    if (stored.lanes[lane]) lanes[lane] = { status: 'failed', attempts: 0, lastError: problem };
  }
  const handlers: Record<string, HandlerState> = {};
  for (const [name, h] of Object.entries(stored.handlers)) {
    handlers[name] = { ...h, status: 'failed', error: problem };
  }
  return { ...stored, status: 'failed', lanes, handlers, problem };
}

/** Names of the handlers of `lane` that completed (a retry skips them). */
export function completedHandlers(stored: StoredEvent, lane: Lane): string[] {
  return Object.entries(stored.handlers)
    .filter(([, h]) => h.lane === lane && h.status === 'complete')
    .map(([name]) => name);
}

/** Whether `lane` of the event has work that may start now. */
export function isLaneDue(stored: StoredEvent, lane: Lane, now: Date): boolean {
  const state = stored.lanes[lane];
  // An event with a problem (malformed payload, too large to store) can never run.
  if (!state || stored.status === 'skipped' || stored.problem !== undefined) return false;
  if (state.status === 'pending') return true;
  if (state.status !== 'failed') return false;
  const at = state.nextRunAt === undefined ? NaN : Date.parse(state.nextRunAt);
  // No (or an unreadable, e.g. hand-edited) retry time: due now.
  return Number.isNaN(at) || at <= now.getTime();
}

/** Attempt `attempt` of `lane` is about to be launched. Written before launching. */
export function markLaunched(
  stored: StoredEvent,
  lane: Lane,
  attempt: number,
  now: Date,
): StoredEvent {
  const previous = stored.lanes[lane] ?? { status: 'pending', attempts: 0 };
  const { nextRunAt: _dropped, launch: _launch, ...rest } = previous;
  const lanes = {
    ...stored.lanes,
    [lane]: { ...rest, status: 'running', attempts: attempt, lastRunAt: now.toISOString() },
  } satisfies Partial<Record<Lane, LaneState>>;
  return withStatus({ ...stored, lanes });
}

/**
 * Records the outcome of a run of `lane`: per-handler results, then the lane is handled when
 * all its handlers are complete, else failed with the next run time from the backoff.
 */
export function applyOutcome(
  stored: StoredEvent,
  lane: Lane,
  outcome: RunOutcome,
  now: Date,
  backoff: { readonly retryBaseSeconds: number; readonly retryMaxSeconds: number },
): StoredEvent {
  const handlers: Record<string, HandlerState> = { ...stored.handlers };
  const at = now.toISOString();
  // A runner that ended without a result (whatever its exit status, e.g. a handler's
  // process.exit(0)) failed every handler it did not report.
  if (outcome.results === undefined && outcome.ok) {
    outcome = {
      ...outcome,
      ok: false,
      reason: outcome.reason ?? 'the runner ended without a result',
    };
  }
  for (const result of outcome.results ?? []) {
    if (result.lane !== lane) continue;
    const before = handlers[result.name];
    handlers[result.name] = {
      lane,
      attempts: (before?.attempts ?? 0) + 1,
      durationMs: result.durationMs,
      ...(result.ok
        ? { status: 'complete', completedAt: at }
        : {
            status: 'failed',
            error: result.error ?? 'failed',
            ...(result.code ? { code: result.code } : {}),
          }),
    };
  }
  for (const [name, h] of Object.entries(handlers)) {
    if (h.lane !== lane || h.status === 'complete') continue;
    if (outcome.results?.some((r) => r.name === name)) continue;
    // Not in the results: the runner did not run it (an earlier failure's code is stale).
    const { code: _stale, ...was } = h;
    handlers[name] = outcome.ok
      ? // The runner succeeded without it: it no longer matches (handlers file changed), or
        // its result was lost — the runner exits 0 only when every handler it ran succeeded.
        { ...was, status: 'complete', completedAt: at, error: 'no longer matches: not run' }
      : {
          ...was,
          status: 'failed',
          attempts: h.attempts + 1,
          error: outcome.reason ?? 'the runner ended without a result',
        };
  }
  const previous = stored.lanes[lane] ?? { status: 'running', attempts: 1 };
  const failures = Object.entries(handlers).filter(
    ([, h]) => h.lane === lane && h.status !== 'complete',
  );
  const { nextRunAt: _n, lastError: _e, ...rest } = previous;
  let state: LaneState;
  if (failures.length === 0) {
    state = { ...rest, status: 'handled' };
  } else {
    const delay = retryDelaySeconds(previous.attempts, backoff);
    const errors = failures.map(([name, h]) => `${name}: ${h.error ?? 'failed'}`);
    state = {
      ...rest,
      status: 'failed',
      nextRunAt: new Date(now.getTime() + delay * 1000).toISOString(),
      lastError: (outcome.reason ? [outcome.reason, ...errors] : errors).join('; '),
    };
  }
  return withStatus({ ...stored, handlers, lanes: { ...stored.lanes, [lane]: state } });
}

/** Run `lane` again now: the backoff wait of a failed lane is cut short. */
export function retryNow(stored: StoredEvent, now: Date): StoredEvent {
  const lanes: Partial<Record<Lane, LaneState>> = { ...stored.lanes };
  for (const lane of LANES) {
    const state = lanes[lane];
    if (state?.status === 'failed') lanes[lane] = { ...state, nextRunAt: now.toISOString() };
  }
  return withStatus({ ...stored, status: 'pending', lanes });
}

/** Skipped by an operator: no more runs, and the blocking lane moves on. */
export function markSkipped(stored: StoredEvent): StoredEvent {
  return { ...stored, status: 'skipped' };
}

/** The event's status follows from its lanes, except `skipped`, which only an operator sets. */
export function withStatus(stored: StoredEvent): StoredEvent {
  if (stored.status === 'skipped') return stored;
  return { ...stored, status: deriveStatus(stored) };
}

export function deriveStatus(stored: Pick<StoredEvent, 'lanes'>): EventStatus {
  const states = LANES.map((l) => stored.lanes[l]?.status).filter((s) => s !== undefined);
  if (states.includes('running')) return 'running';
  if (states.includes('failed')) return 'failed';
  if (states.includes('pending')) return 'pending';
  return 'handled';
}

/** When a failed lane may run again (ms since the epoch), if it is waiting. */
export function nextRunTime(state: LaneState | undefined): number | undefined {
  if (state?.status !== 'failed' || state.nextRunAt === undefined) return undefined;
  const at = Date.parse(state.nextRunAt);
  return Number.isNaN(at) ? undefined : at;
}
