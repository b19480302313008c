import type { Config } from '../common/config.js';
import { classifyGitHubFailure } from '../common/github/check-repo-access.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { Registry } from '../handlers/registry.js';
import { createAccessGate, type CheckAccess } from './access-gate.js';
import { applyChatOps } from './apply-chat-ops.js';
import type { Respond } from './apply-builtin-command.js';
import type { Clock } from '../common/clock.js';
import { createCursorCache } from './cursor-cache.js';
import { eachLimited } from './each-limited.js';
import type { EventSource } from './ports/event-source.js';
import type { EventStore } from './ports/event-store.js';
import type { Readiness } from './readiness.js';
import type { SchedulerObserver } from './scheduler-observer.js';
import { storePolledEvents } from './store-polled-events.js';

const MAX_POLL_BACKOFF_MS = 15 * 60_000;
/**
 * Repositories polled at once: a poll is mostly waiting on GitHub (and the store), so with
 * hundreds of repositories one at a time cannot keep their interval; far below GitHub's
 * limit of 100 concurrent requests. One repository is never polled twice at once.
 */
export const POLL_CONCURRENCY = 8;

export interface RepoPollerOptions {
  readonly repos: readonly string[];
  readonly source: EventSource;
  readonly store: EventStore;
  readonly registry: Registry;
  readonly config: Pick<Config, 'pollInterval'>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly readiness: Readiness;
  readonly observer: SchedulerObserver;
  readonly checkAccess?: CheckAccess | undefined;
  readonly respond?: Respond | undefined;
  readonly clusterId: string;
  /** Whose `/quickcd skip|retry` are obeyed (`QUICKCD_TRUSTED_ASSOCIATIONS`). */
  readonly trustedAssociations?: readonly string[] | undefined;
  /** Told when an event some handler wants was stored: dispatch is due. */
  readonly onWanted: () => void;
}

export interface RepoPoller {
  /**
   * Polls every repository whose poll is due, `POLL_CONCURRENCY` at a time; a failing one
   * backs off, the others go on.
   */
  pollDue(signal: AbortSignal): Promise<void>;
  /** Whether `repo` may be polled (its access checked when not yet verified). */
  check(repo: string, signal: AbortSignal): Promise<boolean>;
  /** When the next poll of some repository is due (epoch ms). */
  nextDueAt(): number;
  /** Makes the poll of `repo` due now; false when `repo` is not polled. */
  nudge(repo: string): boolean;
}

/**
 * Polls each repository when due: its new events → the store (with the handlers they match)
 * → its chat-ops applied → its cursor saved, in that order, so an event is dispatched only
 * once the cursor covering it is written. Each repository has its own schedule: the source's
 * interval, a doubling backoff after a failure, the access gate's after a refusal.
 */
export function createRepoPoller(options: RepoPollerOptions): RepoPoller {
  const { repos, source, store, registry, config, log, clock, observer } = options;
  const backoffMs = (n: number) =>
    Math.min(config.pollInterval * 1000 * 2 ** (n - 1), MAX_POLL_BACKOFF_MS);
  const access = createAccessGate({
    checkAccess: options.checkAccess,
    readiness: options.readiness,
    log,
    backoffMs,
  });
  const cursors = createCursorCache(store, clock);
  const trusted = options.trustedAssociations && new Set(options.trustedAssociations);
  const nextPollAt = new Map<string, number>(repos.map((r) => [r, 0]));
  const failures = new Map<string, number>();
  const later = (repo: string, ms: number) => nextPollAt.set(repo, clock.now().getTime() + ms);

  /** A refused repository is polled again only after its next check is due. */
  async function check(repo: string, signal: AbortSignal): Promise<boolean> {
    const verdict = await access.check(repo, signal);
    if (verdict === true) return !signal.aborted;
    later(repo, verdict);
    return false;
  }

  async function poll(repo: string, signal: AbortSignal): Promise<void> {
    const rlog = log.child({ repo });
    if (!(await check(repo, signal))) return;
    const startedAt = clock.now().getTime();
    const seconds = () => (clock.now().getTime() - startedAt) / 1000;
    try {
      const result = await source.poll(repo, await cursors.get(repo), signal);
      const { stored, own } = await storePolledEvents(repo, result, {
        store,
        registry,
        clock,
        log: rlog,
        onWanted: options.onWanted,
      });
      await applyChatOps(repo, own, {
        store,
        clock,
        log,
        clusterId: options.clusterId,
        observer,
        respond: options.respond,
        trusted,
      });
      // Only after the events it covers are stored; only then are they dispatched.
      await cursors.save(repo, result.cursor);
      failures.delete(repo);
      access.granted(repo);
      later(repo, result.nextPollSeconds * 1000);
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
        later(repo, access.denied(refused));
        return;
      }
      const n = (failures.get(repo) ?? 0) + 1;
      failures.set(repo, n);
      const delay = backoffMs(n);
      later(repo, delay);
      rlog.warn(
        { err: error, failures: n, retryInSeconds: delay / 1000 },
        'poll failed; other repositories go on',
      );
    }
  }

  return {
    async pollDue(signal) {
      const now = clock.now().getTime();
      const due = repos.filter((repo) => (nextPollAt.get(repo) ?? 0) <= now);
      await eachLimited(due, POLL_CONCURRENCY, async (repo) => {
        if (!signal.aborted) await poll(repo, signal);
      });
    },
    check,
    nextDueAt: () => Math.min(...nextPollAt.values()),
    nudge(repo) {
      if (!nextPollAt.has(repo)) return false;
      nextPollAt.set(repo, 0);
      return true;
    },
  };
}
