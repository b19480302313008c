import type { Config } from '../common/config.js';
import { classifyGitHubFailure } from '../common/github/check-repo-access.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { payloadProblems } from '../handlers/payload-problems.js';
import { matchHandlers, type Registry } from '../handlers/registry.js';
import { createAccessGate, type CheckAccess } from './access-gate.js';
import { applyBuiltinCommand, type Respond } from './apply-builtin-command.js';
import { parseBuiltinCommand, type BuiltinCommand } from './builtin-command.js';
import type { Clock } from './clock.js';
import { createReadiness, type Readiness } from './readiness.js';
import { createDispatcher } from './dispatcher.js';
import { eachLimited } from './each-limited.js';
import { newInvalidStoredEvent, newStoredEvent } from './event-state.js';
import type { Cursor } from './cursor.js';
import type { EventSource } from './ports/event-source.js';
import type { EventStore } from './ports/event-store.js';
import type { Executor } from './ports/executor.js';
import type { Leadership } from './ports/leadership.js';
import type { Liveness } from './liveness.js';
import type { SchedulerObserver } from './scheduler-observer.js';

export interface SchedulerOptions {
  /** `owner/name` of each repository to poll. */
  readonly repos: readonly string[];
  readonly source: EventSource;
  readonly store: EventStore;
  readonly executor: Executor;
  readonly leadership: Leadership;
  readonly registry: Registry;
  readonly config: Pick<
    Config,
    | 'pollInterval'
    | 'retryBaseSeconds'
    | 'retryMaxSeconds'
    | 'concurrency'
    | 'handlerTimeoutSeconds'
  >;
  readonly log: Logger;
  readonly clock: Clock;
  /** Answers `/quickcd skip|retry` comments on GitHub. */
  readonly respond?: Respond;
  /** Names quickcd in its answers. */
  readonly clusterId?: string;
  /**
   * The `author_association` values whose `/quickcd skip|retry` are obeyed
   * (`QUICKCD_TRUSTED_ASSOCIATIONS`); default OWNER, MEMBER and COLLABORATOR.
   */
  readonly trustedAssociations?: readonly string[];
  /** Housekeeping (retention), run at start and then hourly. */
  readonly prune?: () => Promise<unknown>;
  /** How long shutdown waits for bookkeeping in flight. */
  readonly shutdownGraceMs?: number;
  /**
   * Whether the credentials can read a repository (`checkRepoAccess`): checked at start and
   * before polling a repository not yet verified; a refused one is not polled, makes the
   * scheduler not ready, and is checked again with backoff. Absent: every repository is fine.
   */
  readonly checkAccess?: CheckAccess;
  /** Where not-ready reasons go; default a fresh one (see {@link Scheduler.readiness}). */
  readonly readiness?: Readiness;
  /** Beaten after every pass of the loop while leading (`/healthz`). */
  readonly liveness?: Liveness;
  /** Metrics and Kubernetes Events: told about polls, launches, outcomes, holds, retries. */
  readonly observer?: SchedulerObserver;
}

export interface Scheduler {
  /** Polls and dispatches until `signal` aborts (or leadership is lost), then cleans up. */
  run(signal: AbortSignal): Promise<'stopped' | 'leadership lost'>;
  /** Not ready, and why: repositories the credentials cannot read (`github:<repo>`). */
  readonly readiness: Readiness;
  /** Polls `repo` at once (a webhook nudge to the fast sources). */
  nudge(repo: string): void;
  /**
   * Resolves once the loop has nothing left to do until its clock moves or something changes:
   * it sleeps, nothing is marked for dispatch, and no launch or record is under way (runs may
   * be in flight). With a manual clock, tests advance time and then wait for this, never for a
   * real-time delay.
   */
  idle(): Promise<void>;
}

const MAX_POLL_BACKOFF_MS = 15 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;
const CURSOR_REFRESH_MS = 60 * 60_000;
const MAX_SLEEP_MS = 60 * 60_000;
const RESYNC_MS = 5 * 60_000;
/** Events of one poll stored at once (a full window is 300 ConfigMaps to create). */
const STORE_CONCURRENCY = 8;

/**
 * The scheduler loop: poll each repository when due → store its new events → save the cursor →
 * dispatch. Sleeps until the next poll or retry is due, or until a run finishes or an operator
 * changes an event (the store's subscription): no busy loop.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { repos, source, store, executor, leadership, registry, config, log, clock } = options;
  const readiness = options.readiness ?? createReadiness();
  const observer = options.observer ?? {};
  const trusted = options.trustedAssociations && new Set(options.trustedAssociations);
  const access = createAccessGate({
    checkAccess: options.checkAccess,
    readiness,
    log,
    backoffMs: (n) => Math.min(config.pollInterval * 1000 * 2 ** (n - 1), MAX_POLL_BACKOFF_MS),
  });
  /** A refused repository is polled again only after its next check is due. */
  const gate = async (repo: string, signal: AbortSignal): Promise<boolean> => {
    const verdict = await access.check(repo, signal);
    if (verdict === true) return !signal.aborted;
    nextPollAt.set(repo, clock.now().getTime() + verdict);
    return false;
  };
  let wakeController = new AbortController();
  let sleeping = false;
  // Failed dispatch passes in a row, and when the next pass is due.
  let dispatchFailures = 0;
  let retryAt: number | undefined;
  /** After a failed pass only its backoff brings the next one: change notifications do not. */
  const backingOff = (at: number) => dispatchFailures > 0 && retryAt !== undefined && retryAt > at;
  let phase: 'starting' | 'looping' | 'done' = 'starting';
  // Something may be ready to dispatch: new events, a finished run, an operator's change.
  let dirty = true;
  const wake = () => {
    dirty = true;
    wakeController.abort();
  };
  const dispatcher = createDispatcher({
    store,
    executor,
    registry,
    config,
    log,
    clock,
    onSettled: wake,
    observer,
  });
  const nextPollAt = new Map<string, number>(repos.map((r) => [r, 0]));
  const failures = new Map<string, number>();
  const savedCursors = new Map<string, { key: string; at: number }>();
  // This process is the only writer while it leads: the cursor is read from the store once.
  const cursors = new Map<string, Cursor | undefined>();

  async function poll(repo: string, signal: AbortSignal): Promise<void> {
    const rlog = log.child({ repo });
    if (!(await gate(repo, signal))) return;
    const startedAt = clock.now().getTime();
    const seconds = () => (clock.now().getTime() - startedAt) / 1000;
    try {
      const cursor = cursors.has(repo) ? cursors.get(repo) : await store.getCursor(repo);
      const result = await source.poll(repo, cursor, signal);
      let stored = 0;
      const commands: BuiltinCommand[] = [];
      const writes: (() => Promise<void>)[] = [];
      for (const event of result.events) {
        // A feed can name another repository (a transferred or renamed one, a faulty source):
        // its events are not this repository's, whatever the handlers would say.
        if (event.repo.name.toLowerCase() !== repo.toLowerCase()) {
          rlog.warn(
            { eventId: event.id, type: event.type, eventRepo: event.repo.name, polledRepo: repo },
            `ignored event ${event.id}: it is of ${event.repo.name}, not of the polled ${repo}`,
          );
          continue;
        }
        const command = parseBuiltinCommand(event, trusted);
        if (command) commands.push(command);
        const late = result.late.has(event.id);
        const problems = payloadProblems(event);
        if (problems.length > 0) {
          // Its filters would run on what the typings say cannot be: recorded, never run.
          const typed = registry.handlers.filter((h) => h.type === event.type);
          if (typed.length === 0) continue;
          const problem = `malformed ${event.type} payload: ${problems.join('; ')}`;
          writes.push(async () => {
            const created = await store.putEvent(
              newInvalidStoredEvent(event, typed, clock.now(), problem, late),
            );
            if (created) stored++;
            rlog.error(
              { eventId: event.id, type: event.type, handlers: typed.map((h) => h.name), problem },
              'stored a malformed event as failed: its handlers do not run',
            );
          });
          continue;
        }
        const match = matchHandlers(registry, event);
        for (const f of match.filterErrors) {
          rlog.warn(
            { eventId: event.id, type: event.type, handler: f.handler, error: f.error },
            `filter of ${f.handler} threw on event ${event.id}: counted as no match`,
          );
        }
        if (match.handlers.length === 0) continue;
        writes.push(async () => {
          const created = await store.putEvent(
            newStoredEvent(event, match.handlers, clock.now(), late),
          );
          if (created) stored++;
          dirty = true;
          rlog.info(
            {
              eventId: event.id,
              type: event.type,
              handlers: match.handlers.map((h) => h.name),
              ...(late ? { late } : {}),
            },
            created ? 'stored event' : 'event already stored',
          );
        });
      }
      // Several at a time: a full window of 300 is one round trip per event on the API server.
      // The cursor is written only once every write has succeeded.
      await eachLimited(writes, STORE_CONCURRENCY, (write) => write());
      // Before the cursor moves past them: a crash here repeats a command (skip and retry are
      // idempotent) rather than losing it.
      for (const command of commands) {
        await applyBuiltinCommand(command, repo, {
          store,
          now: clock.now(),
          log,
          clusterId: options.clusterId ?? 'quickcd',
          observer,
          ...(options.respond ? { respond: options.respond } : {}),
        });
      }
      // Only after the events it covers are stored; only then are they dispatched. An idle
      // poll (a 304) changes only lastPollAt: that is written at most hourly, not every poll.
      const { lastPollAt: _t, ...essence } = result.cursor;
      const key = JSON.stringify(essence);
      const saved = savedCursors.get(repo);
      const now = clock.now().getTime();
      if (saved?.key !== key || now - saved.at >= CURSOR_REFRESH_MS) {
        await store.putCursor(repo, result.cursor);
        savedCursors.set(repo, { key, at: now });
      }
      cursors.set(repo, result.cursor);
      failures.delete(repo);
      access.granted(repo);
      nextPollAt.set(repo, clock.now().getTime() + result.nextPollSeconds * 1000);
      observer.polled?.({ repo, fetched: result.events.length, stored, seconds: seconds() });
      rlog.info(
        { fetched: result.events.length, stored, nextPollSeconds: result.nextPollSeconds },
        'polled',
      );
    } catch (error) {
      if (signal.aborted) return;
      observer.polled?.({
        repo,
        fetched: 0,
        stored: 0,
        seconds: seconds(),
        error: errorMessage(error),
      });
      const refused = classifyGitHubFailure(repo, error);
      if (options.checkAccess && refused.kind !== 'transient') {
        nextPollAt.set(repo, clock.now().getTime() + access.denied(refused));
        return;
      }
      const n = (failures.get(repo) ?? 0) + 1;
      failures.set(repo, n);
      const delay = Math.min(config.pollInterval * 1000 * 2 ** (n - 1), MAX_POLL_BACKOFF_MS);
      nextPollAt.set(repo, clock.now().getTime() + delay);
      rlog.warn(
        { err: errorMessage(error), failures: n, retryInSeconds: delay / 1000 },
        'poll failed; other repositories go on',
      );
    }
  }

  async function loop(signal: AbortSignal): Promise<void> {
    let nextPruneAt = options.prune ? 0 : Infinity;
    let lastDispatch = 0;
    while (!signal.aborted) {
      wakeController = new AbortController();
      const now = clock.now().getTime();
      for (const repo of repos) {
        if ((nextPollAt.get(repo) ?? 0) <= now) await poll(repo, signal);
      }
      if (signal.aborted) break;
      // An idle poll (nothing new, nothing finished, no retry due) costs no store read.
      const at = clock.now().getTime();
      // A resync every few minutes covers a change notification that never came.
      const due = retryAt !== undefined && retryAt <= at;
      if ((dirty && !backingOff(at)) || due || at - lastDispatch >= RESYNC_MS) {
        dirty = false;
        lastDispatch = at;
        try {
          retryAt = await dispatcher.dispatch(signal);
          dispatchFailures = 0;
          readiness.clear('store');
        } catch (error) {
          dispatchFailures++;
          dirty = true;
          const delay = Math.min(1000 * 2 ** dispatchFailures, 60_000);
          retryAt = clock.now().getTime() + delay;
          log.error(
            { err: errorMessage(error), failures: dispatchFailures, retryInMs: delay },
            'dispatch failed; trying again after the backoff',
          );
          readiness.set('store', `reading the stored events failed: ${errorMessage(error)}`);
        }
      }
      if (options.prune && now >= nextPruneAt) {
        nextPruneAt = now + PRUNE_EVERY_MS;
        await options.prune().catch((error: unknown) => {
          log.warn({ err: errorMessage(error) }, 'pruning old events failed');
        });
      }
      options.liveness?.beat();
      observer.passCompleted?.();
      const until = Math.min(
        ...nextPollAt.values(),
        retryAt ?? Infinity,
        nextPruneAt,
        lastDispatch + RESYNC_MS,
      );
      const left = until - clock.now().getTime();
      // Time moved past a deadline during this pass (a slow pass, or a manual clock advanced
      // meanwhile): look again now. Every deadline met is moved forward by the work it
      // triggers (a poll, a dispatch, a prune), so this cannot spin.
      if (left <= 0) continue;
      const ms = Number.isFinite(left) ? Math.min(left, MAX_SLEEP_MS) : MAX_SLEEP_MS;
      sleeping = true;
      try {
        await clock.sleep(ms, AbortSignal.any([signal, wakeController.signal]));
      } finally {
        sleeping = false;
      }
    }
  }

  const quiet = () =>
    phase === 'done' ||
    (phase === 'looping' &&
      sleeping &&
      (!dirty || backingOff(clock.now().getTime())) &&
      !wakeController.signal.aborted &&
      !dispatcher.busy);

  return {
    readiness,

    nudge(repo) {
      if (!nextPollAt.has(repo)) return;
      nextPollAt.set(repo, 0);
      wake();
    },

    async idle() {
      // Quiet across a macrotask turn: a run that just finished has resumed its bookkeeping.
      for (;;) {
        await new Promise((r) => setImmediate(r));
        if (!quiet()) continue;
        await new Promise((r) => setImmediate(r));
        if (quiet()) return;
      }
    },

    async run(signal) {
      try {
        return await lead(signal);
      } finally {
        phase = 'done';
      }
    },
  };

  async function lead(signal: AbortSignal): Promise<'stopped' | 'leadership lost'> {
    // Ready once the repositories were checked and it leads or stands by.
    readiness.set('scheduler', 'starting: checking access to the repositories');
    // At start, leading or standing by: bad credentials are reported at once.
    if (options.checkAccess) {
      for (const repo of repos) {
        if (signal.aborted) break;
        await gate(repo, signal);
      }
      if (signal.aborted) {
        log.info({ reason: 'stopped' }, 'scheduler stopped');
        return 'stopped';
      }
    }
    readiness.clear('scheduler');
    log.info({ repos }, 'waiting for leadership');
    let lost: AbortSignal;
    try {
      lost = await leadership.acquire(signal);
    } catch (error) {
      // Stopped while standing by: a clean stop, not a failure.
      if (signal.aborted) {
        log.info({ reason: 'stopped' }, 'scheduler stopped');
        return 'stopped';
      }
      throw error;
    }
    const stop = AbortSignal.any([signal, lost]);
    log.info({ repos, handlers: registry.handlers.map((h) => h.name) }, 'leading: polling');
    const unsubscribe = store.subscribe?.(wake);
    options.liveness?.leading(true);
    try {
      phase = 'looping';
      await loop(stop);
    } finally {
      options.liveness?.leading(false);
      unsubscribe?.();
      // Runs go on: a restarted scheduler finds them. Only bookkeeping is awaited.
      await Promise.race([
        dispatcher.settled(),
        new Promise((r) => setTimeout(r, options.shutdownGraceMs ?? 10_000).unref()),
      ]);
      await leadership.release().catch((error: unknown) => {
        log.warn({ err: errorMessage(error) }, 'releasing leadership failed');
      });
    }
    const reason = lost.aborted && !signal.aborted ? 'leadership lost' : 'stopped';
    log.info({ reason }, 'scheduler stopped');
    return reason;
  }
}
