import type { Executor, LaunchSpec, RunOutcome } from '../../scheduler/ports/executor.js';

/**
 * Observes the run of `spec` until it has finished, looking again at each change the executor
 * notifies (and when the observation asks for it): what the dispatcher does, for one run.
 */
export async function waitForRun(
  executor: Executor,
  spec: LaunchSpec,
  options: { timeoutMs?: number } = {},
): Promise<RunOutcome> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let poke = () => {};
  const unsubscribe = executor.subscribe(() => poke());
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => (poke = resolve));
      const seen = await executor.observe(spec);
      if (seen.state === 'finished') return seen.outcome;
      if (seen.state === 'absent') throw new Error(`no run for attempt ${spec.attempt}`);
      if (Date.now() > deadline) throw new Error(`run ${seen.name} did not finish in time`);
      // A real executor notifies; the periodic look covers what it cannot see (a killed group).
      await Promise.race([
        changed,
        new Promise((r) => setTimeout(r, Math.min(seen.lookAgainInMs ?? 5000, 5000))),
      ]);
    }
  } finally {
    unsubscribe();
  }
}
