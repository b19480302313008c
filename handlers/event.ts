import * as z from 'zod';
import { QuickcdError } from '../common/errors.js';
import type { PayloadOf } from './payloads.js';

/** The Events API envelope. Ids are large integers carried as decimal strings. */
export const eventSchema = z.looseObject({
  id: z.string().regex(/^\d+$/, 'expected a decimal event id such as "45123456789"'),
  type: z.string().regex(/^[A-Z][A-Za-z]+Event$/, 'expected an event type such as "PushEvent"'),
  actor: z.looseObject({ id: z.number(), login: z.string() }),
  repo: z.looseObject({
    id: z.number(),
    name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected "owner/name"'),
  }),
  payload: z.record(z.string(), z.unknown()),
  public: z.boolean().optional(),
  created_at: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time' }),
  org: z.looseObject({ login: z.string() }).optional(),
});

/**
 * Which source saw the event first: the Events API (the record), or a fast watcher of refs,
 * pull requests or comments (a synthesised, Events-API-shaped event; see README, "Fast sources").
 */
export type EventSourceName = 'events-api' | 'refs' | 'pulls' | 'comments';

export interface GitHubEvent<T extends string = string> {
  readonly id: string;
  readonly type: T;
  readonly actor: { readonly id: number; readonly login: string; readonly [key: string]: unknown };
  readonly repo: { readonly id: number; readonly name: string; readonly [key: string]: unknown };
  readonly payload: PayloadOf<T>;
  readonly public?: boolean;
  readonly created_at: string;
  readonly org?: { readonly login: string; readonly [key: string]: unknown };
  /** Set by the scheduler (absent in events files and older stored events: the Events API). */
  readonly source?: EventSourceName;
  readonly [key: string]: unknown;
}

/**
 * Validates one Events API event. A malformed event is rejected with a message naming the
 * field (`where` says which file/index it came from); it never crashes a run.
 */
export function parseEvent(raw: unknown, where = 'event'): GitHubEvent {
  const result = eventSchema.safeParse(raw);
  if (result.success) return result.data as GitHubEvent;
  const problems = result.error.issues.map(
    (i) => `${where}.${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
  );
  const id = (raw as { id?: unknown } | null)?.id;
  throw new QuickcdError('EVENT_INVALID', `Malformed event: ${problems.join('; ')}`, {
    problems,
    ...(typeof id === 'string' ? { eventId: id } : {}),
  });
}

/** Numeric order of event ids (never compare them as strings). */
export function compareEventIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
