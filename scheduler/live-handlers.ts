import type { Registry } from '../handlers/registry.js';
import type { Executor } from './ports/executor.js';

/**
 * The handlers in use, replaceable while the scheduler runs (a changed handlers file): the
 * registry the loop and dispatcher read, and the executor that launches runs with the matching
 * bundle. Runs are named for (event, lane, attempt), not for the bundle, so every run is
 * observed through the first executor (one watch of each kind however often the handlers
 * change); launches go to the current one.
 */
export interface LiveHandlers {
  readonly registry: Registry;
  readonly executor: Executor;
  replace(registry: Registry, executor: Executor): void;
}

export function createLiveHandlers(registry: Registry, executor: Executor): LiveHandlers {
  let current = { registry, executor };
  const observer = executor;
  return {
    registry: {
      get handlers() {
        return current.registry.handlers;
      },
    },
    executor: {
      launch: (spec) => current.executor.launch(spec),
      observe: (spec) => observer.observe(spec),
      subscribe: (onChange) => observer.subscribe(onChange),
      release: async (spec) => observer.release?.(spec),
    },
    replace(nextRegistry, nextExecutor) {
      const previous = current.executor;
      current = { registry: nextRegistry, executor: nextExecutor };
      if (previous !== nextExecutor) previous.retire?.();
    },
  };
}
