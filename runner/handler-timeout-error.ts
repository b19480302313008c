import { QuickcdError } from '../common/errors.js';

/** A handler that ran longer than its `timeoutSeconds`. */
export class HandlerTimeoutError extends QuickcdError {
  override readonly name = 'HandlerTimeoutError';
  readonly timeoutSeconds: number;

  constructor(handler: string, timeoutSeconds: number) {
    super('HANDLER_TIMEOUT', `timed out after ${timeoutSeconds} s`, { handler, timeoutSeconds });
    this.timeoutSeconds = timeoutSeconds;
  }
}
