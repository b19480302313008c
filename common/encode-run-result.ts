import type { RunResult } from './run-result.js';

// Apart from the schema (zod) on purpose: the runner's supervisor writes results and loads
// nothing it does not need, since it starts once per event.

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

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
