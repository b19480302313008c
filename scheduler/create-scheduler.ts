import type { Config } from '../common/config.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Registry } from '../handlers/registry.js';
import type { CheckAccess } from './access-gate.js';
import type { Respond } from './apply-builtin-command.js';
import type { Clock } from '../common/clock.js';
import { createReadiness, type Readiness } from './readiness.js';
import { createDispatcher } from './dispatcher.js';
import { createRepoPoller } from './repo-poller.js';
import { createHousekeeping } from './housekeeping.js';
import { lead } from './lead.js';
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

const MAX_SLEEP_MS = 60 * 60_000;
const RESYNC_MS = 5 * 60_000;

/**
 * The scheduler loop, composed: while leading ({@link lead}), poll the repositories that are
 * due ({@link createRepoPoller}: store, chat-ops, cursor) → dispatch when something may be ready
 * → housekeeping. Sleeps until the next poll or retry is due, or until a run finishes or an
 * operator changes an event (the store's subscription): no busy loop.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { repos, source, store, executor, leadership, registry, config, log, clock } = options;
  const readiness = options.readiness ?? createReadiness();
  const observer = options.observer ?? {};
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
  const poller = createRepoPoller({
    repos,
    source,
    store,
    registry,
    config,
    log,
    clock,
    readiness,
    observer,
    checkAccess: options.checkAccess,
    respond: options.respond,
    clusterId: options.clusterId ?? 'quickcd',
    trustedAssociations: options.trustedAssociations,
    onWanted: () => {
      dirty = true;
    },
  });

  const housekeeping = createHousekeeping(options.prune, log);

  async function loop(signal: AbortSignal): Promise<void> {
    let lastDispatch = 0;
    while (!signal.aborted) {
      wakeController = new AbortController();
      const now = clock.now().getTime();
      await poller.pollDue(signal);
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
            { err: error, failures: dispatchFailures, retryInMs: delay },
            'dispatch failed; trying again after the backoff',
          );
          readiness.set('store', `reading the stored events failed: ${errorMessage(error)}`);
        }
      }
      await housekeeping.runIfDue(now);
      options.liveness?.beat();
      observer.passCompleted?.();
      const until = Math.min(
        poller.nextDueAt(),
        retryAt ?? Infinity,
        housekeeping.nextDueAt(),
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
      !wakeController.signal.aborted);

  return {
    readiness,

    nudge(repo) {
      if (poller.nudge(repo)) wake();
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
        return await lead(
          {
            repos,
            leadership,
            readiness,
            log,
            handlers: registry.handlers.map((h) => h.name),
            checkRepo: options.checkAccess && ((repo, s) => poller.check(repo, s)),
            // An operator's change, and a run that started, finished or went: reconcile.
            subscribe: () => {
              const fromStore = store.subscribe?.(wake);
              const fromRuns = executor.subscribe(wake);
              return () => {
                fromStore?.();
                fromRuns();
              };
            },
            liveness: options.liveness,
            work: async (stop) => {
              phase = 'looping';
              await loop(stop);
            },
          },
          signal,
        );
      } finally {
        phase = 'done';
      }
    },
  };
}
