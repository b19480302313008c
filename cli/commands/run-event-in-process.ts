import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import * as z from 'zod';
import { loadConfig } from '../../common/config.js';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import { encodeRunResult, type RunResult } from '../../common/run-result.js';
import { parseEvent, type GitHubEvent } from '../../handlers/event.js';
import type { Lane } from '../../handlers/registry.js';
import { payloadProblems } from '../../handlers/payload-problems.js';
import type { ReporterKind, RunnerDeps } from '../../runner/prepare-runner.js';
import { killLeftoverProcesses } from '../../runner/kill-leftover-processes.js';
import { formatLostWrites } from '../../runner/format-lost-writes.js';
import { progressHooks } from '../../runner/progress-hooks.js';
import { runEvent } from '../../runner/run-event.js';
import { prepareHandlersRun } from '../prepare-handlers-run.js';
import type { CommandInput } from '../command.js';
import type { SpareAssignment } from '../../runner/spare-assignment.js';

/**
 * `quickcd runner` in the supervised child: loads the handlers, runs those that match the event
 * and are not complete, writes the per-handler result. Resolves with the exit status.
 */
export async function runEventInProcess(
  { flags: given, env, stdout }: CommandInput,
  givenResultFile: string | undefined,
  /** A spare: the handlers load first, then this gives the event and the rest. */
  assigned?: Promise<SpareAssignment>,
): Promise<number> {
  let flags = given;
  let resultFile = givenResultFile;
  // One configuration and one event to check in this process: zod's compiled (eval'd) parsers
  // cost more to build than they save.
  z.config({ jitless: true });
  const config = loadConfig(env, flags);
  const send = process.send?.bind(process);
  if (!assigned && typeof flags.event !== 'string' && !env.QUICKCD_EVENT_FILE) {
    throw new QuickcdError('USAGE', 'missing --event <event.json>');
  }
  if (!config.handlers)
    throw new QuickcdError('USAGE', 'missing --handlers <file> (or QUICKCD_HANDLERS)');
  const hasCredentials = Boolean(config.githubToken || config.githubAppId);
  const reporter = (flags.reporter ?? (hasCredentials ? 'github' : 'console')) as ReporterKind;
  if (reporter !== 'github' && reporter !== 'console') {
    throw new QuickcdError(
      'USAGE',
      `--reporter: expected github or console, got "${String(reporter)}"`,
    );
  }
  if (reporter === 'github' && !hasCredentials) {
    throw new QuickcdError(
      'CONFIG_INVALID',
      '--reporter github needs QUICKCD_GITHUB_TOKEN (or the QUICKCD_GITHUB_APP_* variables)',
    );
  }

  // SIGTERM (Job deadline, pod deletion, Ctrl-C): stop the handler, kill its commands,
  // flush comments, record what happened. Listened for from here on, so that a signal while
  // the handlers load still ends in a result (every handler "not started"), not in exit 143.
  const stop = new AbortController();
  const loaded: { deps?: RunnerDeps } = {};
  // Listened for until the result is written, and repeated signals are absorbed: a Ctrl-C or
  // a process-group kill reaches this process twice (directly and forwarded by the supervisor),
  // and the second must not kill it before it has recorded what happened.
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) return;
    loaded.deps?.log.warn({ signal }, 'stopping: the running handler is aborted');
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const stopListening = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };

  // A spare loads the handlers before it has an event; a run checks its event first.
  const eventOf = async () => {
    if (assigned) {
      const { dir, ...run } = await assigned;
      if (dir !== undefined) process.chdir(dir);
      flags = { ...given, ...run };
      resultFile = run.result;
    }
    return readEventInput(flags, env);
  };
  let input = assigned ? undefined : await eventOf();
  const { registry, marker, deps } = await prepareHandlersRun({
    config,
    env,
    handlersFile: config.handlers,
    reporter,
    stdout,
  });
  loaded.deps = deps;
  input ??= await eventOf();
  const { event, lane, completed, matched } = input;
  if (stop.signal.aborted) deps.log.warn('stopped while loading: no handler is started');

  const perEvent = deps.forEvent(event);
  let result: RunResult;
  try {
    result = await runEvent({
      event,
      registry,
      ...(lane ? { lane } : {}),
      completed,
      ...(matched ? { matched } : {}),
      reporter: perEvent.reporter,
      env: perEvent.env,
      commandEnv: perEvent.commandEnv,
      github: deps.github,
      write: deps.write,
      log: deps.log,
      defaultTimeoutSeconds: config.handlerTimeoutSeconds,
      signal: stop.signal,
      ...progressHooks(send, event.id, deps.redact),
    });
  } catch (error) {
    stopListening();
    throw error;
  }
  deps.flush();
  const redacted: RunResult = {
    ...result,
    results: result.results.map((r) =>
      r.error === undefined ? r : { ...r, error: deps.redact(r.error) },
    ),
    filterErrors: result.filterErrors.map((f) => ({ ...f, error: deps.redact(f.error) })),
  };
  // Nothing a handler left running may outlive the run, nor still run once its result is
  // there: the local executor takes the result as the end of the run (the next run of the
  // lane may start while this process exits).
  const killed = killLeftoverProcesses({ ownGroup: true, marker });
  if (resultFile) await writeFile(resultFile, encodeRunResult(redacted));
  stopListening();
  if (killed.length > 0) deps.log.info({ killed }, 'killed processes the handlers left running');
  for (const f of result.filterErrors) {
    deps.log.warn(
      { handler: f.handler, err: deps.redact(f.error) },
      'filter threw: counted as no match',
    );
  }
  const failed = result.results.filter((r) => !r.ok);
  const lost = perEvent.reporter.lostWrites?.() ?? { comments: 0, statuses: 0 };
  deps.log.info(
    {
      eventId: event.id,
      ran: result.results.length,
      failed: failed.length,
      ...(lost.comments + lost.statuses > 0 ? { lostWrites: formatLostWrites(lost) } : {}),
    },
    'runner finished',
  );
  return failed.length > 0 || stop.signal.aborted ? 1 : 0;
}

/** The event and the per-event options of `quickcd runner`, checked. */
async function readEventInput(
  flags: CommandInput['flags'],
  env: CommandInput['env'],
): Promise<{
  event: GitHubEvent;
  lane: Lane | undefined;
  completed: string[];
  matched: string[] | undefined;
}> {
  const eventFile = typeof flags.event === 'string' ? flags.event : env.QUICKCD_EVENT_FILE;
  if (!eventFile) throw new QuickcdError('USAGE', 'missing --event <event.json>');
  const lane = flags.lane;
  if (lane !== undefined && lane !== 'blocking' && lane !== 'nonblocking') {
    throw new QuickcdError(
      'USAGE',
      `--lane: expected blocking or nonblocking, got "${String(lane)}"`,
    );
  }
  const completed =
    typeof flags.completed === 'string' ? flags.completed.split(',').filter(Boolean) : [];
  const matched =
    typeof flags.matched === 'string' ? flags.matched.split(',').filter(Boolean) : undefined;
  let text: string;
  try {
    // Events too large for a ConfigMap's data are stored gzip-compressed (event.json.gz).
    const bytes = await readFile(eventFile);
    text = (eventFile.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  } catch (error) {
    throw new QuickcdError(
      'EVENTS_FILE_INVALID',
      `Cannot read event file ${eventFile}: ${errorMessage(error)}`,
    );
  }
  const event = parseEvent(JSON.parse(text), eventFile);
  const problems = payloadProblems(event);
  if (problems.length > 0) {
    throw new QuickcdError(
      'EVENT_INVALID',
      `Malformed event ${event.id} (${event.type}): ${problems.join('; ')}`,
      { eventId: event.id, problems },
    );
  }
  return { event, lane, completed, matched };
}
