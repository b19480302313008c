import { commonOptions } from '../command.js';

/** `quickcd runner`'s usage and options: read by the command and by its supervisor's entry. */
export const RUNNER_USAGE = `Usage: quickcd runner --event <event.json> --handlers <file> [options]

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
                        nothing run`;

export const RUNNER_OPTIONS = {
  event: { type: 'string' },
  handlers: { type: 'string' },
  lane: { type: 'string' },
  completed: { type: 'string' },
  matched: { type: 'string' },
  result: { type: 'string' },
  reporter: { type: 'string' },
  spare: { type: 'boolean' },
  ...commonOptions,
} as const;
