import { z } from 'zod';

/**
 * What a runner reports of each handler it ran. Written by the runner to its result file (the
 * Job's termination message in a cluster, so at most 4096 bytes) and read back by the executor.
 */
export const handlerResultSchema = z.object({
  name: z.string(),
  lane: z.enum(['blocking', 'nonblocking']),
  ok: z.boolean(),
  durationMs: z.number().int().nonnegative(),
  error: z.string().optional(),
});

export const runResultSchema = z.object({
  eventId: z.string(),
  results: z.array(handlerResultSchema),
  /** Filters that threw (counted as no match) — reported so nobody wonders. */
  filterErrors: z.array(z.object({ handler: z.string(), error: z.string() })).default([]),
});

export type HandlerResult = z.infer<typeof handlerResultSchema>;
export type RunResult = z.infer<typeof runResultSchema>;

/** Kubernetes keeps at most 4096 bytes of a termination message. */
export const RESULT_LIMIT_BYTES = 4096;

/** Compact JSON that fits the limit: error messages are shortened until it does. */
export function encodeRunResult(result: RunResult, limit = RESULT_LIMIT_BYTES): string {
  let maxError = 1000;
  for (;;) {
    const text = JSON.stringify({
      ...result,
      results: result.results.map((r) =>
        r.error === undefined ? r : { ...r, error: shorten(r.error, maxError) },
      ),
      filterErrors: result.filterErrors.map((f) => ({ ...f, error: shorten(f.error, maxError) })),
    });
    if (Buffer.byteLength(text) <= limit || maxError <= 20) return text;
    maxError = Math.floor(maxError / 2);
  }
}

export function parseRunResult(text: string): RunResult | undefined {
  try {
    const parsed = runResultSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
