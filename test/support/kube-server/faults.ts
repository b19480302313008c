import type { IncomingMessage, ServerResponse } from 'node:http';
import { reasonForCode, sendJson } from './http-util.js';
import { conflict } from './status.js';
import { parseRoute } from './router.js';

/** Which requests a fault applies to. */
export interface FaultMatch {
  /** HTTP method (case-insensitive); any when omitted. */
  method?: string;
  /** A substring of the URL path, or a RegExp tested against it; any when omitted. */
  path?: string | RegExp;
  /** How many matching requests it affects; default: unlimited, except `conflict` (1). */
  times?: number;
}

/** A fault to inject (see KubeTestServer.fault). */
export type Fault =
  | (FaultMatch & { kind: 'status'; status: number; message?: string })
  | (FaultMatch & { kind: 'conflict' })
  | (FaultMatch & { kind: 'delay'; ms: number })
  | { kind: 'drop-watches' };

interface Active {
  fault: Exclude<Fault, { kind: 'drop-watches' }>;
  remaining: number;
}

/** The set of active request faults. */
export class Faults {
  private readonly active: Active[] = [];

  /** Adds a request fault; returns its remover. */
  add(fault: Exclude<Fault, { kind: 'drop-watches' }>): { remove(): void } {
    const entry: Active = {
      fault,
      remaining: fault.times ?? (fault.kind === 'conflict' ? 1 : Infinity),
    };
    this.active.push(entry);
    return {
      remove: () => {
        const i = this.active.indexOf(entry);
        if (i >= 0) this.active.splice(i, 1);
      },
    };
  }

  /**
   * Applies the faults matching a request: waits for delays, then answers it when a status
   * or conflict fault matches. Returns true when the request was answered.
   */
  async apply(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const method = req.method ?? 'GET';
    for (const entry of [...this.active]) {
      const f = entry.fault;
      if (entry.remaining <= 0 || !matches(f, method, pathname)) continue;
      if (f.kind === 'conflict' && f.method === undefined && !['PUT', 'PATCH'].includes(method))
        continue;
      entry.remaining -= 1;
      if (entry.remaining <= 0) this.active.splice(this.active.indexOf(entry), 1);
      if (f.kind === 'delay') {
        await new Promise((resolve) => setTimeout(resolve, f.ms));
      } else if (f.kind === 'status') {
        sendJson(res, f.status, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: f.message ?? `injected fault: HTTP ${f.status}`,
          reason: reasonForCode(f.status),
          code: f.status,
        });
        return true;
      } else {
        const r = parseRoute(pathname);
        const error = conflict(r?.type ?? { plural: 'objects', group: '' }, r?.name ?? '');
        sendJson(res, 409, error.toStatus());
        return true;
      }
    }
    return false;
  }
}

function matches(f: FaultMatch, method: string, pathname: string): boolean {
  if (f.method !== undefined && f.method.toUpperCase() !== method.toUpperCase()) return false;
  if (f.path === undefined) return true;
  return typeof f.path === 'string' ? pathname.includes(f.path) : f.path.test(pathname);
}
