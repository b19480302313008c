export interface SerializedError {
  readonly type: string;
  readonly message: string;
  /** A QuickcdError's code (match on it, never on the message). */
  readonly code?: string;
  readonly stack?: string;
  readonly cause?: SerializedError;
}

/**
 * How every logged error is written (`log.warn({ err }, …)`, pino's `err` serializer): its
 * type, message, a QuickcdError's `code`, its stack and its cause. Nothing else of the object
 * (a command's output, an HTTP response's headers) reaches the log. A string stays a string.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  // A QuickcdError's code, or a Node.js system error's (`ENOENT`).
  const raw = (err as { code?: unknown }).code;
  const code = typeof raw === 'string' ? raw : undefined;
  const cause =
    depth < 3 && err.cause !== undefined ? serializeError(err.cause, depth + 1) : undefined;
  return {
    type: err.name,
    message: err.message,
    ...(code ? { code } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
    ...(cause instanceof Object ? { cause: cause as SerializedError } : {}),
  };
}
