import type { Redact } from '../common/redact.js';

/**
 * Redacts everything this process writes to stdout and stderr — `console.log` in a handler
 * included — so a secret never reaches `kubectl logs` or a terminal. Returns the undo.
 */
export function redactProcessOutput(redact: Redact): () => void {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((s) => s.write.bind(s));
  streams.forEach((stream, i) => {
    const original = originals[i]!;
    stream.write = (chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === 'string'
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk).toString('utf8')
            : chunk;
      return (original as (...args: unknown[]) => boolean)(
        typeof text === 'string' ? redact(text) : text,
        ...rest,
      );
    };
  });
  return () => {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  };
}
