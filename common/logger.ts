import { pino, type Logger, type LevelWithSilent } from 'pino';
import { formatLogLine } from './format-log-line.js';
import { serializeError } from './serialize-error.js';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  level?: LevelWithSilent;
  /** `text` (default): one short line per record; `json`: pino's JSON lines. */
  format?: 'text' | 'json';
  /** Values never to print (tokens, Secret values); replaced by `***`. */
  redact?: (text: string) => string;
  destination?: NodeJS.WritableStream;
}

/**
 * The one pino logger of a process. Logs go to stderr so that stdout stays the handlers'
 * output (what `kubectl logs` shows of a runner). Secrets are scrubbed from every line. Errors
 * are logged one way, `{ err }` ({@link serializeError}: message, code, stack, cause); text
 * lines show an error's code after its message, and its stack only at debug level and below.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const redact = options.redact ?? ((text: string) => text);
  const destination = options.destination ?? process.stderr;
  const level = options.level ?? 'info';
  const stacks = level === 'debug' || level === 'trace';
  const format =
    options.format === 'json'
      ? (line: string) => line
      : (line: string) => formatLogLine(line, { stacks });
  return pino(
    { level, base: null, serializers: { err: serializeError } },
    { write: (line: string) => void destination.write(format(redact(line))) },
  );
}
