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
 * 200 MB (or never stops) costs a bounded amount of memory; what is shown of them ends and
 * begins at a line end when there is one.
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
      if (length - head.length - tail.length <= 0) return head + tail;
      // Whole lines on both sides of the cut: a line cut in two (a secret in it, that the
      // redaction cannot recognise by half) is left out, unless it is all that is kept.
      const headEnd = head.lastIndexOf('\n') + 1;
      const kept = headEnd > 0 ? head.slice(0, headEnd) : head;
      const tailStart = tail.indexOf('\n') + 1;
      const end = tailStart > 0 && tailStart < tail.length ? tail.slice(tailStart) : tail;
      const omitted = length - kept.length - end.length;
      return `${kept.replace(/\n$/, '')}\n… ${omitted} characters of output omitted …\n${end}`;
    },
    get length() {
      return length;
    },
  };
}
