import * as z from 'zod';

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
  /**
   * The failure's code: a QuickcdError's (`HANDLER_TIMEOUT`, `COMMAND_FAILED`…), else
   * `HANDLER_FAILED`. Absent on success.
   */
  code: z.string().optional(),
});

export const runResultSchema = z.object({
  eventId: z.string(),
  results: z.array(handlerResultSchema),
  /** Filters that threw (counted as no match) — reported so nobody wonders. */
  filterErrors: z.array(z.object({ handler: z.string(), error: z.string() })).default([]),
});

export type HandlerResult = z.infer<typeof handlerResultSchema>;
export type RunResult = z.infer<typeof runResultSchema>;

export { RESULT_LIMIT_BYTES, encodeRunResult } from './encode-run-result.js';

export function parseRunResult(text: string): RunResult | undefined {
  try {
    const parsed = runResultSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
