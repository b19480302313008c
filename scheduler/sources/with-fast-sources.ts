import type { Octokit } from '@octokit/rest';
import type { Config } from '../../common/config.js';
import type { Logger } from '../../common/logger.js';
import type { GitHubEvent } from '../../handlers/event.js';
import type { EventSource } from '../ports/event-source.js';
import type { EventStore } from '../ports/event-store.js';
import { createBudget, type Budget } from './budget.js';
import { createFastSources, type FastSources } from './create-fast-sources.js';
import { createCommentWatcher } from './comment-watcher.js';
import { createPullRequestWatcher } from './pull-request-watcher.js';
import { createRefWatcher } from './ref-watcher.js';
import type { Watcher } from './watcher.js';
import { systemClock, type Clock } from '../../common/clock.js';

export interface WithFastSources {
  /** The Events API poller alone (`QUICKCD_FAST_POLL_INTERVAL=0`), or with the watchers. */
  readonly source: EventSource;
  /** Absent when the fast sources are off. */
  readonly fast?: FastSources;
  readonly budget?: Budget;
}

/** The scheduler's event source, per configuration: the one place the fast sources are wired. */
export function withFastSources(options: {
  readonly events: EventSource;
  readonly github: Octokit;
  readonly store: EventStore;
  readonly wanted: (event: GitHubEvent) => boolean;
  /** Whether events of a type may be wanted (default all): watchers of no wanted type rest. */
  readonly wantsType?: (type: string) => boolean;
  readonly repos: readonly string[];
  readonly config: Pick<Config, 'fastPollInterval' | 'fastPollBudget'>;
  readonly log: Logger;
  /** Time for the budget, the watchers and what they record (default the system's). */
  readonly clock?: Clock;
  /** Replaces the default watchers (tests). */
  readonly watchers?: (budget: Budget) => readonly Watcher[];
}): WithFastSources {
  const { config } = options;
  if (config.fastPollInterval === 0) return { source: options.events };
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();
  const log = options.log.child({ component: 'fast-sources' });
  const budget = createBudget({
    intervalSeconds: config.fastPollInterval,
    perMinute: config.fastPollBudget,
    now,
    log,
  });
  const watchers = options.watchers?.(budget) ?? [
    createRefWatcher({ github: options.github, budget, now }),
    createPullRequestWatcher({ github: options.github, budget, now }),
    createCommentWatcher({ github: options.github, budget, now }),
  ];
  const fast = createFastSources({
    events: options.events,
    watchers,
    github: options.github,
    store: options.store,
    budget,
    wanted: options.wanted,
    ...(options.wantsType ? { wantsType: options.wantsType } : {}),
    repoCount: options.repos.length,
    log,
    now,
  });
  return { source: fast, fast, budget };
}
