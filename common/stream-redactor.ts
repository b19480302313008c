import type { Redact, Redactor } from './redact.js';

export interface StreamRedactor {
  /** Takes the next chunk; returns what can be written now, redacted. */
  write(chunk: string): string;
  /** What is still held back, redacted: the stream has ended. */
  end(): string;
}

/**
 * Redacts a stream written in pieces: a secret split across writes (`write(k.slice(0, 5));
 * write(k.slice(5))`) is still hidden, because an end of a write that may begin a secret is
 * held back until the next write shows whether it does. Only such an end is held (shorter than
 * the longest secret form), so other output is never delayed and memory stays bounded.
 */
export function createStreamRedactor(redact: Redact | Redactor): StreamRedactor {
  let pending = '';
  return {
    write(chunk) {
      if (!('split' in redact)) return redact(chunk);
      const { ready, rest } = redact.split(pending + chunk);
      pending = rest;
      return ready;
    },
    end() {
      const rest = pending;
      pending = '';
      return rest ? redact(rest) : '';
    },
  };
}
