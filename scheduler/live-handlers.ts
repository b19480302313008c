import type { Registry } from '../handlers/registry.js';
import type { Executor } from './ports/executor.js';

/**
 * The handlers in use, replaceable while the scheduler runs (a changed handlers file): the
 * registry the loop and dispatcher read, and the executor that launches runs with the matching
 * bundle. A run launched before a replacement is waited for as before (by its name).
 */
export interface LiveHandlers {
  readonly registry: Registry;
  readonly executor: Executor;
  replace(registry: Registry, executor: Executor): void;
}

export function createLiveHandlers(registry: Registry, executor: Executor): LiveHandlers {
  let current = { registry, executor };
  /** A run is waited for by the executor that launched it (until it is waited for once). */
  const launchedBy = new Map<string, Executor>();
  return {
    registry: {
      get handlers() {
        return current.registry.handlers;
      },
    },
    executor: {
      async launch(spec) {
        const by = current.executor;
        const launch = await by.launch(spec);
        launchedBy.set(launch.name, by);
        return launch;
      },
      find: (spec) => current.executor.find(spec),
      async wait(launch, spec, signal) {
        const by = launchedBy.get(launch.name) ?? current.executor;
        try {
          return await by.wait(launch, spec, signal);
        } finally {
          launchedBy.delete(launch.name);
        }
      },
    },
    replace(nextRegistry, nextExecutor) {
      current = { registry: nextRegistry, executor: nextExecutor };
    },
  };
}
