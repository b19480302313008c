import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  level?: LevelWithSilent;
  /** Pretty output for people; JSON lines otherwise. Default: pretty when stderr is a TTY. */
  pretty?: boolean;
  /** Values never to print (tokens, Secret values); replaced by `***`. */
  redact?: (text: string) => string;
  destination?: NodeJS.WritableStream;
}

/**
 * The one pino logger of a process. Logs go to stderr so that stdout stays the handlers'
 * output (what `kubectl logs` shows of a runner). Secrets are scrubbed from every line.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const redact = options.redact;
  const destination = options.destination ?? process.stderr;
  const pretty = options.pretty ?? (destination === process.stderr && process.stderr.isTTY);
  const stream = pretty
    ? // pino-pretty's stream form keeps output synchronous-enough for a CLI and needs no worker.
      prettyStream(destination)
    : destination;
  const write = redact
    ? { write: (line: string) => stream.write(redact(line)) }
    : (stream as { write(line: string): void });
  return pino({ level: options.level ?? 'info', base: null }, write);
}

function prettyStream(destination: NodeJS.WritableStream): NodeJS.WritableStream {
  // Imported lazily: pino-pretty is only needed by people at a terminal.
  const require = createRequire(import.meta.url);
  const pretty = require('pino-pretty') as (o: object) => NodeJS.WritableStream;
  return pretty({ destination, colorize: true, translateTime: 'SYS:HH:MM:ss', sync: true });
}
