import type { Redact } from './redact.js';

/**
 * Redacts an error in place — message, stack and causes — so that however it is printed later
 * (a CLI's last words, a log line, a result file) no secret goes with it. Returns it.
 */
export function redactError<T>(error: T, redact: Redact, depth = 0): T {
  if (!(error instanceof Error) || depth > 5) return error;
  try {
    error.message = redact(error.message);
    if (error.stack !== undefined) error.stack = redact(error.stack);
    if (error.cause !== undefined) redactError(error.cause, redact, depth + 1);
  } catch {
    // a frozen or odd error: printed as is by whoever redacts its text
  }
  return error;
}
