import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Octokit } from '@octokit/rest';
import { QuickcdError, errorMessage, isQuickcdError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import type { HandlerResult, RunResult } from '../common/run-result.js';
import type { HandlerEnv } from '../handlers/context.js';
import type { GitHubEvent } from '../handlers/event.js';
import {
  laneOf,
  matchHandlers,
  type HandlerDefinition,
  type Lane,
  type Registry,
} from '../handlers/registry.js';
import { createHandlerContext } from './create-handler-context.js';
import { HandlerTimeoutError } from './handler-timeout-error.js';
import { createLineWriter } from './line-writer.js';
import { trackHandlerReports } from './track-handler-reports.js';
import { formatLocation, userFrames } from '../handlers/caller-location.js';
import { CommandError } from '../handlers/command-error.js';
import type { Reporter } from './reporter.js';

export interface RunEventOptions {
  readonly event: GitHubEvent;
  readonly registry: Registry;
  /** Only this lane's handlers; both (non-blocking first) when undefined. */
  readonly lane?: Lane;
  /** Handlers already complete for this event: not run again. */
  readonly completed?: readonly string[];
  /**
   * The handlers the event matched when it was stored (or first matched): only these run, and
   * no filter runs again. Undefined: the filters decide here.
   */
  readonly matched?: readonly string[];
  readonly reporter: Reporter;
  readonly github: Octokit;
  readonly env: HandlerEnv;
  readonly commandEnv: Readonly<Record<string, string | undefined>>;
  readonly write: (text: string) => void;
  readonly log: Logger;
  /** Default timeout of handlers that set none. */
  readonly defaultTimeoutSeconds: number;
  /** Aborts the running handler (SIGTERM): it is recorded as failed. */
  readonly signal?: AbortSignal;
  /** Where work directories are made (default the OS temp dir). */
  readonly workRoot?: string;
  /** Told as each handler starts (a supervisor watches its timeout). */
  readonly onHandlerStart?: (handler: { name: string; lane: Lane; timeoutSeconds: number }) => void;
  /** Told each handler's result as soon as it is known. */
  readonly onHandlerResult?: (result: HandlerResult) => void;
}

/**
 * Runs the handlers that match `event` and are not yet complete, one at a time (non-blocking
 * before blocking), each at most once, each in a fresh empty work directory that is its cwd,
 * each bounded by its timeout. Never throws for a handler's failure: every result is returned,
 * and so are filters that threw (counted as no match), for the caller to report.
 */
export async function runEvent(options: RunEventOptions): Promise<RunResult> {
  const { event, registry } = options;
  const { handlers, filterErrors } = matchHandlers(registry, event, {
    completed: options.completed ?? [],
    ...(options.lane ? { lane: options.lane } : {}),
    ...(options.matched ? { matched: options.matched } : {}),
  });
  const ordered = [...handlers.filter((h) => !h.blocking), ...handlers.filter((h) => h.blocking)];
  const results: HandlerResult[] = [];
  for (const handler of ordered) {
    if (options.signal?.aborted) {
      results.push({
        name: handler.name,
        lane: laneOf(handler),
        ok: false,
        durationMs: 0,
        error: 'not started: runner stopped',
        code: 'HANDLER_FAILED',
      });
      continue;
    }
    const result = await runHandler(handler, options);
    results.push(result);
    options.onHandlerResult?.(result);
  }
  return { eventId: event.id, results, filterErrors };
}

async function runHandler(
  handler: HandlerDefinition,
  options: RunEventOptions,
): Promise<HandlerResult> {
  const log = options.log.child({ eventId: options.event.id, handler: handler.name });
  const timeoutSeconds = handler.timeoutSeconds ?? options.defaultTimeoutSeconds;
  options.onHandlerStart?.({ name: handler.name, lane: laneOf(handler), timeoutSeconds });
  const controller = new AbortController();
  const onStop = () =>
    controller.abort(
      new QuickcdError('HANDLER_FAILED', 'runner stopped (SIGTERM)', { handler: handler.name }),
    );
  options.signal?.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(
    () => controller.abort(new HandlerTimeoutError(handler.name, timeoutSeconds)),
    timeoutSeconds * 1000,
  );
  const workdir = await mkdtemp(join(options.workRoot ?? tmpdir(), 'quickcd-'));
  const started = Date.now();
  options.write(`\n▶ ${handler.name} (${handler.type} ${options.event.id}, ${laneOf(handler)})\n`);
  log.info({ lane: laneOf(handler), workdir }, 'handler started');

  // Command output streams line by line, so the redaction in `write` sees whole secrets.
  const output = createLineWriter(options.write, (text) => text);
  const reports = trackHandlerReports(options.reporter);
  // Handlers run one at a time, so the work directory can be the process's cwd too.
  const previousCwd = process.cwd();
  process.chdir(workdir);
  let error: unknown;
  try {
    const ctx = createHandlerContext({
      event: options.event,
      handler: handler.name,
      reporter: reports.reporter,
      github: options.github,
      env: options.env,
      workdir,
      signal: controller.signal,
      commandEnv: options.commandEnv,
      output: (chunk) => output.write(chunk),
    });
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(toError(controller.signal.reason)), {
        once: true,
      });
    });
    await Promise.race([
      Promise.resolve().then(() => handler.handler(options.event.payload as never, ctx as never)),
      aborted,
    ]);
  } catch (e) {
    error = e;
    if (!controller.signal.aborted) controller.abort(e);
  } finally {
    output.end();
    process.chdir(previousCwd);
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onStop);
  }
  const location = error === undefined ? undefined : locationOf(error);
  if (error !== undefined) {
    await reports.reportFailure({
      handler: handler.name,
      error,
      interrupted: error instanceof HandlerTimeoutError || options.signal?.aborted === true,
      location,
    });
  }
  await options.reporter.flush();
  await rm(workdir, { recursive: true, force: true }).catch(() => {});
  const durationMs = Date.now() - started;
  if (error === undefined) {
    options.write(`✔ ${handler.name} succeeded in ${(durationMs / 1000).toFixed(1)}s\n`);
    log.info({ durationMs }, 'handler succeeded');
    return { name: handler.name, lane: laneOf(handler), ok: true, durationMs };
  }
  const message = errorMessage(error);
  options.write(
    `✘ ${handler.name} failed after ${(durationMs / 1000).toFixed(1)}s: ${message}\n` +
      (location ? `  at ${location}\n` : ''),
  );
  // Said once, above, for people; the log's text lines show the stack only at debug level.
  log.info({ durationMs, err: error, location }, 'handler failed');
  return {
    name: handler.name,
    lane: laneOf(handler),
    ok: false,
    durationMs,
    error: message,
    code: isQuickcdError(error) ? error.code : 'HANDLER_FAILED',
  };
}

/** Where in the handler's code the error comes from (source-mapped), when it says. */
function locationOf(error: unknown): string | undefined {
  if (error instanceof HandlerTimeoutError) return undefined;
  if (error instanceof CommandError) return error.location;
  const frame = userFrames(error instanceof Error ? error.stack : undefined)[0];
  return frame && formatLocation(frame);
}

function toError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(errorMessage(reason));
}
