import { QuickcdError, errorMessage } from '../common/errors.js';
import type { HandlerContext } from './context.js';
import type { GitHubEvent } from './event.js';
import type { PayloadOf } from './payloads.js';

export type Handler<T extends string = string> = (
  payload: PayloadOf<T>,
  ctx: HandlerContext<T>,
) => unknown;

export interface HandlerOptions<T extends string = string> {
  /** Runs the handler only when this returns true; a filter that throws counts as no match. */
  filter?: (payload: PayloadOf<T>, event: GitHubEvent<T>) => boolean;
  /** Blocking handlers (default) run one event at a time per repository, in id order. */
  blocking?: boolean;
  /** Stable name: completion is remembered by it. Default: the function's name, else `<type>#<n>`. */
  name?: string;
  timeoutSeconds?: number;
}

export interface HandlerDefinition {
  readonly name: string;
  readonly type: string;
  readonly blocking: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly handler: Handler;
  readonly filter: ((payload: never, event: GitHubEvent) => boolean) | undefined;
  /** Where `on()` was called (`file:line:column`), when known. */
  readonly location?: string | undefined;
}

export type Lane = 'blocking' | 'nonblocking';

export interface Registry {
  readonly handlers: HandlerDefinition[];
}

export function createRegistry(): Registry {
  return { handlers: [] };
}

export function addHandler<T extends string>(
  registry: Registry,
  type: T,
  handler: Handler<T>,
  options: HandlerOptions<T> = {},
  location?: string,
): HandlerDefinition {
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]+Event$/.test(type)) {
    throw invalid(`on(type, …): expected an event type such as "PushEvent", got ${show(type)}`);
  }
  if (typeof handler !== 'function') {
    throw invalid(`on(${show(type)}, handler): expected a function, got ${show(handler)}`);
  }
  const { filter, blocking = true, timeoutSeconds } = options;
  if (filter !== undefined && typeof filter !== 'function') {
    throw invalid(`on(${show(type)}): options.filter: expected a function, got ${show(filter)}`);
  }
  if (typeof blocking !== 'boolean') {
    throw invalid(`on(${show(type)}): options.blocking: expected a boolean, got ${show(blocking)}`);
  }
  if (timeoutSeconds !== undefined && !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)) {
    throw invalid(
      `on(${show(type)}): options.timeoutSeconds: expected a positive number, got ${show(timeoutSeconds)}`,
    );
  }
  const sameType = registry.handlers.filter((h) => h.type === type).length;
  const name = options.name ?? (handler.name || `${type}#${sameType + 1}`);
  if (!/^[\w.:#/ -]{1,100}$/.test(name)) {
    throw invalid(
      `on(${show(type)}): handler name ${show(name)} must be 1-100 letters, digits, spaces or . _ : # / -`,
    );
  }
  const existing = registry.handlers.find((h) => h.name === name);
  if (existing) {
    const first = existing.location ? ` at ${existing.location}` : '';
    const second = location ? ` (this one at ${location})` : '';
    throw invalid(
      `on(${show(type)}): a handler named ${show(name)} is already registered${first}${second}; give one of them options.name`,
    );
  }
  const definition: HandlerDefinition = {
    name,
    type,
    blocking,
    timeoutSeconds,
    handler: handler as Handler,
    filter: filter as HandlerDefinition['filter'],
    location,
  };
  registry.handlers.push(definition);
  return definition;
}

export interface MatchOptions {
  /** Names of handlers already complete for this event: they are not matched again. */
  readonly completed?: ReadonlySet<string> | readonly string[];
  readonly lane?: Lane;
  /**
   * Names of the handlers the event matched when it was first matched (stored by the
   * scheduler, or matched by the caller): those are its handlers, and no filter runs again.
   */
  readonly matched?: ReadonlySet<string> | readonly string[];
}

export interface FilterFailure {
  readonly handler: string;
  readonly error: string;
}

export interface MatchResult {
  readonly handlers: HandlerDefinition[];
  /** Filters that threw: they count as "no match", and are reported. */
  readonly filterErrors: FilterFailure[];
}

/**
 * Which handlers match `event` (type and filter, or the names in `options.matched`) and are
 * not yet complete. Each filter runs at most once per call: match an event once and carry the
 * result (`matched`), rather than calling this again for the same event.
 */
export function matchHandlers(
  registry: Registry,
  event: GitHubEvent,
  options: MatchOptions = {},
): MatchResult {
  const completed = new Set(options.completed ?? []);
  const matched = options.matched && new Set(options.matched);
  const handlers: HandlerDefinition[] = [];
  const filterErrors: FilterFailure[] = [];
  for (const h of registry.handlers) {
    if (h.type !== event.type || completed.has(h.name)) continue;
    if (options.lane !== undefined && laneOf(h) !== options.lane) continue;
    if (matched) {
      if (!matched.has(h.name)) continue;
    } else if (h.filter) {
      try {
        if (h.filter(event.payload as never, event) !== true) continue;
      } catch (error) {
        filterErrors.push({ handler: h.name, error: errorMessage(error) });
        continue;
      }
    }
    handlers.push(h);
  }
  return { handlers, filterErrors };
}

export function laneOf(handler: Pick<HandlerDefinition, 'blocking'>): Lane {
  return handler.blocking ? 'blocking' : 'nonblocking';
}

function invalid(message: string): QuickcdError {
  return new QuickcdError('HANDLER_INVALID', message);
}

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  return value === undefined ? 'undefined' : (JSON.stringify(value) ?? typeof value);
}
