/** Which requests a fault applies to. */
export interface FaultMatch {
  /** HTTP method (case-insensitive); any when omitted. */
  method?: string;
  /** A substring of the URL path (and query), or a RegExp tested against it; any when omitted. */
  path?: string | RegExp;
  /** Only watch requests (`watch=true`), or only the others; both when omitted. */
  watch?: boolean;
  /** How many matching requests it affects; default: unlimited, except `conflict` (1). */
  times?: number;
}

/**
 * A fault the proxy injects in front of the real API server:
 * - `status`: answer with this HTTP status and a Kubernetes `Status` body (5xx, 403, 429 with
 *   `retryAfterSeconds` as `Retry-After`, …) instead of forwarding;
 * - `conflict`: a 409 `Conflict` Status, as the API server sends for a stale resourceVersion
 *   (by default only for PUT and PATCH);
 * - `delay`: forward after `ms` milliseconds;
 * - `expire-watch`: answer a watch with HTTP 200 and one `ERROR` event carrying a 410 `Expired`
 *   Status, as the API server does when the resourceVersion is too old.
 */
export type Fault =
  | (FaultMatch & { kind: 'status'; status: number; message?: string; retryAfterSeconds?: number })
  | (FaultMatch & { kind: 'conflict' })
  | (FaultMatch & { kind: 'delay'; ms: number })
  | (FaultMatch & { kind: 'expire-watch' });

/** What a fault does to one request. */
export type FaultAction =
  | { kind: 'forward' }
  | { kind: 'respond'; status: number; headers: Record<string, string>; body: string };

interface Active {
  fault: Fault;
  remaining: number;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** A Kubernetes `Status` object for an error, as the API server writes it. */
export function statusBody(code: number, message: string, reason = REASONS[code] ?? 'Unknown') {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
}

function matches(f: FaultMatch, method: string, path: string, isWatch: boolean): boolean {
  if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.watch !== undefined && f.watch !== isWatch) return false;
  if (f.path === undefined) return true;
  return typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path);
}

/** The set of active faults, consulted for each request in the order they were added. */
export class Faults {
  private readonly active: Active[] = [];

  /** Adds a fault; returns its remover. */
  add(fault: Fault): { remove(): void } {
    const entry = { fault, remaining: fault.times ?? (fault.kind === 'conflict' ? 1 : Infinity) };
    this.active.push(entry);
    return {
      remove: () => {
        const i = this.active.indexOf(entry);
        if (i >= 0) this.active.splice(i, 1);
      },
    };
  }

  /** Waits for matching delays, then says whether to forward the request or what to answer. */
  async decide(method: string, path: string, isWatch: boolean): Promise<FaultAction> {
    for (const entry of [...this.active]) {
      const f = entry.fault;
      if (entry.remaining <= 0 || !matches(f, method, path, isWatch)) continue;
      if (f.kind === 'conflict' && f.method === undefined && !['PUT', 'PATCH'].includes(method))
        continue;
      if (f.kind === 'expire-watch' && !isWatch) continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.active.splice(this.active.indexOf(entry), 1);
      const json = { 'content-type': 'application/json' };
      switch (f.kind) {
        case 'delay':
          await new Promise((resolve) => setTimeout(resolve, f.ms));
          continue;
        case 'status':
          return {
            kind: 'respond',
            status: f.status,
            headers: {
              ...json,
              ...(f.retryAfterSeconds === undefined
                ? {}
                : { 'retry-after': String(f.retryAfterSeconds) }),
            },
            body: JSON.stringify(
              statusBody(f.status, f.message ?? `injected fault: HTTP ${f.status}`),
            ),
          };
        case 'conflict':
          return {
            kind: 'respond',
            status: 409,
            headers: json,
            body: JSON.stringify(
              statusBody(
                409,
                'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (injected)',
              ),
            ),
          };
        case 'expire-watch':
          return {
            kind: 'respond',
            status: 200,
            headers: json,
            body: `${JSON.stringify({
              type: 'ERROR',
              object: statusBody(410, 'too old resource version (injected)', 'Expired'),
            })}\n`,
          };
      }
    }
    return { kind: 'forward' };
  }
}
