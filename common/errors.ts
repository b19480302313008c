/**
 * Every error quickcd raises on purpose carries a stable `code` (match on it, never on the
 * message), a message that names the problem and the fix, and context for logs.
 */
export type QuickcdErrorCode =
  | 'CONFIG_INVALID'
  | 'EVENT_INVALID'
  | 'EVENTS_FILE_INVALID'
  | 'HANDLERS_LOAD_FAILED'
  | 'HANDLER_INVALID'
  | 'HANDLER_FAILED'
  | 'HANDLER_TIMEOUT'
  | 'COMMAND_FAILED'
  | 'STORE_FAILED'
  | 'STORE_CORRUPT'
  | 'EVENT_NOT_FOUND'
  | 'STATE_DIR_NOT_FOUND'
  | 'LANE_ORDER'
  | 'EXECUTOR_FAILED'
  | 'CLUSTER_UNREACHABLE'
  | 'KUBERNETES_FAILED'
  | 'GITHUB_FAILED'
  | 'GITHUB_ACCESS_DENIED'
  | 'USAGE'
  | 'ARGS_INVALID'
  | 'KDEP_CHART_INVALID'
  | 'KDEP_MERGE_CONFLICT'
  | 'KDEP_SECRET_UNAVAILABLE'
  | 'KDEP_OPTIONS_INVALID'
  | 'KDEP_DEPLOY_FAILED';

export interface QuickcdErrorContext {
  readonly [key: string]: unknown;
  readonly cause?: unknown;
}

export class QuickcdError extends Error {
  override readonly name: string = 'QuickcdError';
  readonly code: QuickcdErrorCode;
  readonly context: Omit<QuickcdErrorContext, 'cause'>;

  constructor(code: QuickcdErrorCode, message: string, context: QuickcdErrorContext = {}) {
    const { cause, ...rest } = context;
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.context = rest;
  }
}

export function isQuickcdError(error: unknown, code?: QuickcdErrorCode): error is QuickcdError {
  return error instanceof QuickcdError && (code === undefined || error.code === code);
}

/** The message of anything thrown, for logs and reports. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : JSON.stringify(error);
}
