import type { Redact, Redactor } from '../common/redact.js';
import { createStreamRedactor } from '../common/stream-redactor.js';

/**
 * Redacts everything this process writes to stdout and stderr — `console.log` in a handler
 * included — so a secret never reaches `kubectl logs` or a terminal, also when it is written
 * in pieces (`write(k.slice(0, 5)); write(k.slice(5))`): an end of a write that may begin a
 * secret waits for the next write (or the undo, or the process's exit). Returns the undo.
 */
export function redactProcessOutput(redact: Redact | Redactor): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  const redactors = streams.map(() => createStreamRedactor(redact));
  streams.forEach((stream, i) => {
    const original = originals[i] as (...args: unknown[]) => boolean;
    const redactor = redactors[i]!;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === 'string'
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk).toString('utf8')
            : chunk;
      if (typeof text !== 'string') return original(text, ...rest);
      const ready = redactor.write(text);
      if (ready) return original(ready, ...rest);
      // Held back: still call a write callback, as a stream would.
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      if (callback) queueMicrotask(callback);
      return true;
    };
  });
  const flush = () => {
    redactors.forEach((redactor, i) => {
      const rest = redactor.end();
      if (rest) (originals[i] as (text: string) => boolean)(rest);
    });
  };
  process.once('exit', flush);
  return () => {
    flush();
    process.off('exit', flush);
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  };
}
