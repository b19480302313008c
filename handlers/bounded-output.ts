/** What a command's output keeps in memory: its beginning and its end, never all of it. */
export interface BoundedOutput {
  append(chunk: string): void;
  /** The head and the tail, with a line saying how much was left out between them. */
  text(): string;
  /** Characters seen in all. */
  readonly length: number;
}

/**
 * Keeps the first `headChars` and the last `tailChars` of a stream, so a command that prints
 * 200 MB (or never stops) costs a bounded amount of memory.
 */
export function createBoundedOutput(headChars: number, tailChars: number): BoundedOutput {
  let head = '';
  let tail = '';
  let length = 0;
  return {
    append(chunk) {
      length += chunk.length;
      if (head.length < headChars) {
        const room = headChars - head.length;
        head += chunk.slice(0, room);
        chunk = chunk.slice(room);
        if (!chunk) return;
      }
      tail = chunk.length >= tailChars ? chunk.slice(-tailChars) : (tail + chunk).slice(-tailChars);
    },
    text() {
      const omitted = length - head.length - tail.length;
      return omitted > 0
        ? `${head}\n… ${omitted} characters of output omitted …\n${tail}`
        : head + tail;
    },
    get length() {
      return length;
    },
  };
}
