import type { RunEventOptions } from './run-event.js';
import type { RunnerProgress } from './supervise-runner.js';

/**
 * The runEvent hooks that tell a supervisor (over the IPC channel, `send`) which handler runs
 * and how each ended, its error redacted; none when this process is not supervised.
 */
export function progressHooks(
  send: ((message: RunnerProgress) => unknown) | undefined,
  eventId: string,
  redact: (text: string) => string,
): Pick<RunEventOptions, 'onHandlerStart' | 'onHandlerResult'> {
  if (!send) return {};
  return {
    onHandlerStart: (h) => void send({ type: 'started', eventId, ...h }),
    onHandlerResult: (r) =>
      void send({
        type: 'finished',
        eventId,
        result: r.error === undefined ? r : { ...r, error: redact(r.error) },
      }),
  };
}
