/**
 * Seconds to wait before attempt `attempts + 1`, as the original: attempts³ × base (base 60 s
 * gives 1, 8, 27, 64… minutes), capped at `max`.
 */
export function retryDelaySeconds(
  attempts: number,
  config: { readonly retryBaseSeconds: number; readonly retryMaxSeconds: number },
): number {
  return Math.min(attempts ** 3 * config.retryBaseSeconds, config.retryMaxSeconds);
}
