import type { Redact } from '../common/redact.js';

/**
 * Writes streamed output whole lines at a time, redacted, so a secret split across two chunks
 * is still recognised. `end()` writes what is left.
 */
export function createLineWriter(
  write: (text: string) => void,
  redact: Redact,
): { write(chunk: string): void; end(): void } {
  let pending = '';
  return {
    write(chunk) {
      pending += chunk;
      const cut = pending.lastIndexOf('\n');
      if (cut === -1) {
        // Bound memory for output that never ends a line.
        if (pending.length > 65_536) {
          write(redact(pending));
          pending = '';
        }
        return;
      }
      write(redact(pending.slice(0, cut + 1)));
      pending = pending.slice(cut + 1);
    },
    end() {
      if (pending) write(redact(pending));
      pending = '';
    },
  };
}
