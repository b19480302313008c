import { STATUS_CODES } from 'node:http';
import { githubError, type RouteResponse } from './http-util.js';
import { coreRate } from './rate-limit.js';
import { makeUser, type ServerState } from './state.js';

/** Which requests a fault applies to. */
export interface FaultMatch {
  /** Case-insensitive; any method when absent. */
  method?: string;
  /**
   * The request pathname (without a `/api/v3` prefix): a string is an exact match, or a prefix
   * match when it ends with `/`; a RegExp is tested against it. Any path when absent.
   */
  path?: string | RegExp;
  /** How many matching requests it applies to: a positive integer or Infinity. Default 1. */
  times?: number;
}

/** A fault, by kind. See {@link FaultStore.add}. */
export type Fault = FaultMatch &
  (
    | { kind: 'status'; status: number }
    | { kind: 'secondary-rate-limit'; retryAfter?: number }
    | { kind: 'rate-limit-429'; retryAfter?: number }
    | { kind: 'primary-rate-limit'; resetInSeconds?: number }
    | { kind: 'delay'; ms: number }
    | { kind: 'malformed-json' }
  );

export interface FaultHandle {
  /** Stops the fault applying to further requests. */
  remove(): void;
}

export interface FaultStore {
  add(fault: Fault): FaultHandle;
  /** The first fault matching the request, its count used up by one; at most one per request. */
  take(method: string, pathname: string): Fault | undefined;
  clear(): void;
}

const KINDS = new Set([
  'status',
  'secondary-rate-limit',
  'rate-limit-429',
  'primary-rate-limit',
  'delay',
  'malformed-json',
]);

function check(fault: Fault): void {
  const times = fault.times ?? 1;
  if (!(times === Infinity || (Number.isInteger(times) && times > 0)))
    throw new TypeError(`fault.times: expected a positive integer or Infinity, got ${times}`);
  if (!KINDS.has(fault.kind))
    throw new TypeError(`fault.kind: expected one of ${[...KINDS].join(', ')}, got ${fault.kind}`);
  if (fault.kind === 'status' && !(Number.isInteger(fault.status) && fault.status >= 400))
    throw new TypeError(`fault.status: expected an HTTP error status, got ${fault.status}`);
  if (fault.kind === 'delay' && !(Number.isFinite(fault.ms) && fault.ms >= 0))
    throw new TypeError(`fault.ms: expected a non-negative number, got ${fault.ms}`);
}

function matches(fault: Fault, method: string, pathname: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase())
    return false;
  const { path } = fault;
  if (path === undefined) return true;
  if (path instanceof RegExp) {
    path.lastIndex = 0;
    return path.test(pathname);
  }
  return path.endsWith('/') ? pathname.startsWith(path) : pathname === path;
}

export function createFaultStore(): FaultStore {
  const active: { fault: Fault; left: number }[] = [];
  return {
    add(fault) {
      check(fault);
      const entry = { fault: { ...fault }, left: fault.times ?? 1 };
      active.push(entry);
      return {
        remove() {
          const i = active.indexOf(entry);
          if (i !== -1) active.splice(i, 1);
        },
      };
    },
    take(method, pathname) {
      const i = active.findIndex((e) => matches(e.fault, method, pathname));
      const entry = active[i];
      if (!entry) return undefined;
      entry.left -= 1;
      if (entry.left <= 0) active.splice(i, 1);
      return entry.fault;
    },
    clear() {
      active.length = 0;
    },
  };
}

export const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

/**
 * The response a fault replaces the real one with, or undefined for `delay` and
 * `malformed-json` (which change the real response instead).
 */
export function faultResponse(state: ServerState, fault: Fault): RouteResponse | undefined {
  switch (fault.kind) {
    case 'status':
      return githubError(fault.status, STATUS_CODES[fault.status] ?? 'Server Error');
    case 'secondary-rate-limit':
    case 'rate-limit-429': {
      const response = githubError(
        fault.kind === 'rate-limit-429' ? 429 : 403,
        SECONDARY_RATE_LIMIT_MESSAGE,
        {},
        `${RATE_LIMIT_DOCS}#about-secondary-rate-limits`,
      );
      return { ...response, headers: { 'retry-after': String(fault.retryAfter ?? 1) } };
    }
    case 'primary-rate-limit': {
      const { limit } = coreRate(state);
      const reset = Math.floor(Date.now() / 1000) + (fault.resetInSeconds ?? 1);
      const response = githubError(
        403,
        `API rate limit exceeded for user ID ${makeUser(state, state.login).id}.`,
        {},
        `${RATE_LIMIT_DOCS}#about-the-primary-rate-limit`,
      );
      return {
        ...response,
        headers: {
          'x-ratelimit-remaining': '0',
          'x-ratelimit-used': String(limit),
          'x-ratelimit-reset': String(reset),
        },
      };
    }
    default:
      return undefined;
  }
}
