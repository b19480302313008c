/** Output of pod containers, kept in arrival order (stdout and stderr interleaved). */

interface Chunk {
  at: Date;
  text: string;
}

interface Entry {
  chunks: Chunk[];
  ended: boolean;
  listeners: Set<() => void>;
}

/** Options of the `pods/{name}/log` endpoint. */
export interface LogQuery {
  tailLines?: number;
  timestamps?: boolean;
  limitBytes?: number;
  sinceSeconds?: number;
}

/** Log storage per pod, with followers. */
export class PodLogs {
  private readonly entries = new Map<string, Entry>();

  /** Appends output of a pod's container. */
  append(namespace: string, pod: string, text: string): void {
    const e = this.entry(namespace, pod);
    e.chunks.push({ at: new Date(), text });
    for (const l of [...e.listeners]) l();
  }

  /** Marks a pod's container as exited: followers finish. */
  end(namespace: string, pod: string): void {
    const e = this.entry(namespace, pod);
    e.ended = true;
    for (const l of [...e.listeners]) l();
  }

  /** True once the container exited. */
  ended(namespace: string, pod: string): boolean {
    return this.entries.get(`${namespace}/${pod}`)?.ended ?? false;
  }

  /** All output so far. */
  text(namespace: string, pod: string): string {
    return (this.entries.get(`${namespace}/${pod}`)?.chunks ?? []).map((c) => c.text).join('');
  }

  /** Number of chunks so far (a cursor for `render`). */
  size(namespace: string, pod: string): number {
    return this.entries.get(`${namespace}/${pod}`)?.chunks.length ?? 0;
  }

  /** Output from chunk `from` on, shaped by the query (tailLines only applies from 0). */
  render(namespace: string, pod: string, query: LogQuery, from = 0): string {
    let chunks = (this.entries.get(`${namespace}/${pod}`)?.chunks ?? []).slice(from);
    if (query.sinceSeconds !== undefined) {
      const since = Date.now() - query.sinceSeconds * 1000;
      chunks = chunks.filter((c) => c.at.getTime() >= since);
    }
    let lines = toLines(chunks);
    if (query.tailLines !== undefined && from === 0)
      lines = lines.slice(Math.max(0, lines.length - query.tailLines));
    let out = lines
      .map((l) => (query.timestamps ? `${l.at.toISOString()} ${l.text}` : l.text))
      .join('');
    if (query.limitBytes !== undefined)
      out = Buffer.from(out).subarray(0, query.limitBytes).toString();
    return out;
  }

  /** Calls `listener` on new output or exit; returns the unsubscribe function. */
  follow(namespace: string, pod: string, listener: () => void): () => void {
    const e = this.entry(namespace, pod);
    e.listeners.add(listener);
    return () => e.listeners.delete(listener);
  }

  private entry(namespace: string, pod: string): Entry {
    const key = `${namespace}/${pod}`;
    let e = this.entries.get(key);
    if (!e) {
      e = { chunks: [], ended: false, listeners: new Set() };
      this.entries.set(key, e);
    }
    return e;
  }
}

/** Splits chunks into lines (keeping '\n'), each stamped with the time its first byte arrived. */
function toLines(chunks: Chunk[]): Chunk[] {
  const lines: Chunk[] = [];
  let open: Chunk | undefined;
  for (const c of chunks) {
    for (const piece of c.text.split(/(?<=\n)/)) {
      if (piece === '') continue;
      if (open) open.text += piece;
      else {
        open = { at: c.at, text: piece };
        lines.push(open);
      }
      if (piece.endsWith('\n')) open = undefined;
    }
  }
  return lines;
}
