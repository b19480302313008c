import * as z from 'zod';

const lane = z.enum(['blocking', 'nonblocking']);
const laneState = z.looseObject({
  status: z.enum(['pending', 'running', 'handled', 'failed']),
  attempts: z.number().int().nonnegative(),
  lastRunAt: z.string().optional(),
  nextRunAt: z.string().optional(),
  lastError: z.string().optional(),
  launch: z.string().optional(),
});

/** The shape every stored event must have before the dispatcher may read it. */
const storedEventSchema = z.looseObject({
  repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, 'expected owner/name'),
  id: z.string().regex(/^\d+$/, 'expected a numeric id'),
  type: z.string().min(1),
  event: z.looseObject({ id: z.string(), type: z.string() }),
  status: z.enum(['pending', 'running', 'handled', 'failed', 'skipped']),
  lanes: z.looseObject({ blocking: laneState.optional(), nonblocking: laneState.optional() }),
  handlers: z.record(
    z.string(),
    z.looseObject({
      lane,
      status: z.enum(['pending', 'complete', 'failed']),
      attempts: z.number().int().nonnegative(),
    }),
  ),
  storedAt: z.string(),
  late: z.boolean(),
  problem: z.string().optional(),
});

/**
 * What is wrong with a stored event's shape, one message per field
 * (`lanes: expected object, received null`); empty when the dispatcher can read it.
 */
export function storedEventProblems(value: unknown): string[] {
  const result = storedEventSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map(
    (issue) => `${issue.path.map(String).join('.') || '(the whole event)'}: ${issue.message}`,
  );
}
