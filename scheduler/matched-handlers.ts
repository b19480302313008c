import type { LaunchSpec } from './ports/executor.js';

/**
 * The handlers of the launched lane as stored with the event (matched once, when it was
 * stored): what the runner is given as `--matched`, so it does not run the filters again.
 */
export function matchedHandlers(spec: Pick<LaunchSpec, 'event' | 'lane'>): string[] {
  return Object.entries(spec.event.handlers)
    .filter(([, h]) => h.lane === spec.lane)
    .map(([name]) => name);
}
