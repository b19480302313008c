import type { Redact, Redactor } from '../common/redact.js';
import { createStreamRedactor } from '../common/stream-redactor.js';

/** Output that never ends a line is written on in pieces of about this size. */
const MAX_PENDING = 65_536;

/**
 * Writes streamed output whole lines at a time, redacted. A secret split across two chunks is
 * still recognised, also in output that never ends a line: that is written every 64 KiB, but
 * an end that may begin a secret waits for the next chunk. `end()` writes what is left.
 */
export function createLineWriter(
  write: (text: string) => void,
  redact: Redact | Redactor,
): { write(chunk: string): void; end(): void } {
  const stream = createStreamRedactor(redact);
  let pending = '';
  const emit = (text: string) => {
    if (text) write(text);
  };
  return {
    write(chunk) {
      pending += chunk;
      const cut = pending.lastIndexOf('\n');
      if (cut === -1) {
        if (pending.length > MAX_PENDING) {
          emit(stream.write(pending));
          pending = '';
        }
        return;
      }
      emit(stream.write(pending.slice(0, cut + 1)));
      pending = pending.slice(cut + 1);
    },
    end() {
      emit(stream.write(pending) + stream.end());
      pending = '';
    },
  };
}
