import { SUPERVISED_ENV } from '../../runner/supervised-env.js';
import type { Command } from '../command.js';

export const runnerCommand: Command = {
  name: 'runner',
  usage: `Usage: quickcd runner --event <event.json> --handlers <file> [options]

Runs the handlers that match one event and are not yet complete, then writes a per-handler
result (JSON) to --result. Exit status 0 only if every handler it ran succeeded.

Options:
  --event <file>        the event (Events API JSON; .gz: gzip-compressed), e.g. from the
                        mounted event ConfigMap
  --handlers <file>     handlers file (or QUICKCD_HANDLERS)
  --lane <lane>         blocking | nonblocking (default: both, non-blocking first)
  --completed <names>   comma-separated handlers already complete: skipped
  --matched <names>     comma-separated handlers the event matched when it was stored: only
                        these run, and their filters do not run again (default: the filters
                        decide)
  --result <file>       where to write the result (or QUICKCD_RESULT_FILE; a Job's
                        terminationMessagePath)
  --reporter <kind>     github (default when credentials are set) | console
  --spare               start ahead of the event (the local executor's warm spare): load the
                        handlers, then read the run's options (JSON: event, lane, result,
                        completed, matched) from stdin; stdin closed without them: exit 75,
                        nothing run`,
  options: {
    event: { type: 'string' },
    handlers: { type: 'string' },
    lane: { type: 'string' },
    completed: { type: 'string' },
    matched: { type: 'string' },
    result: { type: 'string' },
    reporter: { type: 'string' },
    spare: { type: 'boolean' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  async run(input) {
    const { flags, env, stderr } = input;
    const spare = flags.spare === true;
    const resultFile = typeof flags.result === 'string' ? flags.result : env.QUICKCD_RESULT_FILE;
    // The handlers run in a child the supervisor can kill: a busy loop blocks its event loop.
    // The supervisor loads nothing else (it starts once per event): the child checks the input.
    if (env[SUPERVISED_ENV] !== '1') {
      const { superviseRunner } = await import('../../runner/supervise-runner.js');
      const args = [
        'runner',
        ...Object.entries(flags).flatMap(([k, v]) =>
          v === true ? [`--${k}`] : typeof v === 'string' ? [`--${k}`, v] : [],
        ),
      ];
      if (spare) {
        const { readSpareAssignment } = await import('../../runner/spare-assignment.js');
        return superviseRunner({ args, env, assignment: readSpareAssignment(), warn: stderr });
      }
      return superviseRunner({
        args,
        env,
        ...(resultFile ? { resultFile } : {}),
        warn: stderr,
      });
    }
    const { runEventInProcess } = await import('./run-event-in-process.js');
    if (spare) {
      // Listened for before anything loads; the handlers load while the spare waits.
      const { awaitAssignedRun } = await import('../../runner/spare-assignment.js');
      return runEventInProcess(input, resultFile, awaitAssignedRun());
    }
    return runEventInProcess(input, resultFile);
  },
};
