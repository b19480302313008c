import { loadConfig } from '../../common/config.js';
import { QuickcdError } from '../../common/errors.js';
import { readEventsFile } from '../../handlers/read-events-file.js';
import type { HandlerResult } from '../../common/run-result.js';
import { laneOf, matchHandlers } from '../../handlers/registry.js';
import { killLeftoverProcesses } from '../../runner/kill-leftover-processes.js';
import { progressHooks } from '../../runner/progress-hooks.js';
import { runEvent } from '../../runner/run-event.js';
import type { RunnerProgress } from '../../runner/supervise-runner.js';
import { SUPERVISED_ENV } from '../../runner/supervised-env.js';
import { formatLostWrites } from '../../runner/format-lost-writes.js';
import { prepareHandlersRun } from '../prepare-handlers-run.js';
import { requireGitHubAccess } from '../require-github-access.js';
import type { Command } from '../command.js';

export const runCommand: Command = {
  name: 'run',
  usage: `Usage: quickcd run --events <file.json> --handlers <file> [--github]

Runs the handlers of <file> (.ts, .mts, .js or .mjs, anywhere on disk) on the events in
<file.json> (an array as GET /repos/{owner}/{repo}/events returns), through the real runner:
non-blocking handlers of all events first, then blocking handlers in event-id order.
Comments and statuses are printed as they would appear on GitHub.

Options:
  --events <file>     JSON array of Events API events (required)
  --handlers <file>   handlers file (or QUICKCD_HANDLERS)
  --github            post comments and statuses to GitHub for real (needs a token;
                      the credentials must read each repository, else exit 2)
  --log-level <lvl>   trace|debug|info|warn|error|fatal|silent (default warn, or
                      QUICKCD_LOG_LEVEL)

Exit status: 0 all handlers succeeded, 1 some failed, 2 bad input.`,
  options: {
    events: { type: 'string' },
    handlers: { type: 'string' },
    github: { type: 'boolean' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  async run({ flags, env, stdout, stderr }) {
    // The handlers run in a child the supervisor can kill, as under `quickcd runner`: a handler
    // that blocks the event loop (and ignores SIGTERM) is killed 5 s after its timeout.
    if (env[SUPERVISED_ENV] !== '1') {
      const { superviseRunner } = await import('../../runner/supervise-runner.js');
      const args = Object.entries(flags).flatMap(([k, v]) =>
        v === true ? [`--${k}`] : typeof v === 'string' ? [`--${k}`, v] : [],
      );
      return superviseRunner({
        args: ['run', ...args],
        env,
        warn: stderr,
        name: 'quickcd run',
        ownGroup: false,
      });
    }
    const send = process.send?.bind(process) as ((m: RunnerProgress) => boolean) | undefined;
    const config = loadConfig(env, {
      ...flags,
      'log-level': flags['log-level'] ?? env.QUICKCD_LOG_LEVEL ?? 'warn',
    });
    if (typeof flags.events !== 'string') {
      throw new QuickcdError(
        'USAGE',
        'missing --events <file.json>: a JSON array of Events API events',
      );
    }
    if (config.handlers === undefined) {
      throw new QuickcdError('USAGE', 'missing --handlers <file> (or set QUICKCD_HANDLERS)');
    }
    const useGitHub = flags.github === true;
    if (useGitHub && !config.githubToken && !config.githubAppId) {
      throw new QuickcdError(
        'CONFIG_INVALID',
        '--github needs credentials: set QUICKCD_GITHUB_TOKEN (or GITHUB_TOKEN), or the QUICKCD_GITHUB_APP_* variables',
      );
    }
    const { events, problems } = await readEventsFile(flags.events);
    for (const problem of problems) stderr(`quickcd run: skipped malformed event ${problem}\n`);
    const { registry, marker, deps } = await prepareHandlersRun({
      config,
      env,
      handlersFile: config.handlers,
      reporter: useGitHub ? 'github' : 'console',
      stdout,
    });
    // Each event's filters run once, here; the result is carried to the runs.
    const matches = events.map((event) => ({ event, ...matchHandlers(registry, event) }));
    const wanted = matches.filter((m) => m.handlers.length > 0);
    if (useGitHub) {
      const repos = wanted.map((m) => m.event.repo.name);
      await requireGitHubAccess(deps.github, [...new Set(repos)], deps.log);
    }
    for (const { event, filterErrors } of matches) {
      for (const f of filterErrors) {
        deps.log.warn(
          { eventId: event.id, handler: f.handler, err: f.error },
          'filter threw: counted as no match',
        );
      }
    }

    const results: HandlerResult[] = [];
    const lost = { comments: 0, statuses: 0 };
    const runLane = async (lane: 'nonblocking' | 'blocking') => {
      for (const { event, handlers } of wanted) {
        if (!handlers.some((h) => laneOf(h) === lane)) continue;
        const perEvent = deps.forEvent(event);
        const result = await runEvent({
          event,
          registry,
          lane,
          matched: handlers.map((h) => h.name),
          reporter: perEvent.reporter,
          env: perEvent.env,
          commandEnv: perEvent.commandEnv,
          github: deps.github,
          write: deps.write,
          log: deps.log,
          defaultTimeoutSeconds: config.handlerTimeoutSeconds,
          ...progressHooks(send, event.id, deps.redact),
        });
        results.push(...result.results);
        const lostHere = perEvent.reporter.lostWrites?.();
        lost.comments += lostHere?.comments ?? 0;
        lost.statuses += lostHere?.statuses ?? 0;
      }
    };
    await runLane('nonblocking');
    await runLane('blocking');

    deps.flush();
    const killed = killLeftoverProcesses({ ownGroup: false, marker });
    if (killed.length > 0) deps.log.info({ killed }, 'killed processes the handlers left running');
    const failed = results.filter((r) => !r.ok);
    const unmatched = events.length - wanted.length;
    stdout(
      `\nquickcd run: ${events.length} event(s), ${unmatched} matched no handler; ` +
        `${results.length} handler run(s): ${results.length - failed.length} succeeded, ${failed.length} failed` +
        `${failed.length ? ` (${failed.map((f) => f.name).join(', ')})` : ''}` +
        `${formatLostWrites(lost) ? `; ${formatLostWrites(lost)}` : ''}` +
        `${problems.length ? `; ${problems.length} malformed event(s) skipped` : ''}\n`,
    );
    if (problems.length > 0) return 2;
    return failed.length > 0 ? 1 : 0;
  },
};
