import { appendFileSync, readFileSync } from 'node:fs';

/** One line (or part of one) of a container's output, as the CRI log format keeps it. */
export interface LogEntry {
  readonly time: Date;
  readonly stream: 'stdout' | 'stderr';
  /** False for a partial line (`P`): the output had no newline yet. */
  readonly full: boolean;
  readonly text: string;
}

/** The output of one container instance (one run; a restart gets a new one). */
export interface ContainerLog {
  readonly file: string;
  /** Appends output, stamped now, in the kubelet's CRI format (`<time> <stream> <P|F> <text>`). */
  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void;
  /** The container exited: followers finish after the last entry. */
  end(): void;
  readonly ended: boolean;
  /** Calls `listener` after new output and at the end; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** Opens (creates) the log file of a container instance. */
export function createContainerLog(file: string, now: () => Date = () => new Date()): ContainerLog {
  appendFileSync(file, '');
  const listeners = new Set<() => void>();
  let ended = false;
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };
  return {
    file,
    write(stream, chunk) {
      const text = chunk.toString();
      if (text === '') return;
      const stamp = now().toISOString();
      const lines = text.split(/(?<=\n)/);
      const out = lines.map((l) => {
        const full = l.endsWith('\n');
        return `${stamp} ${stream} ${full ? 'F' : 'P'} ${full ? l : `${l}\n`}`;
      });
      appendFileSync(file, out.join(''));
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    get ended() {
      return ended;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The entries of a CRI-format log file (missing file: none). */
export function readLogEntries(file: string): LogEntry[] {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: LogEntry[] = [];
  for (const line of raw.split('\n')) {
    const m = /^(\S+) (stdout|stderr) ([PF]) (.*)$/s.exec(line);
    if (!m) continue;
    const full = m[3] === 'F';
    out.push({
      time: new Date(m[1] ?? ''),
      stream: m[2] as 'stdout' | 'stderr',
      full,
      text: full ? `${m[4]}\n` : (m[4] ?? ''),
    });
  }
  return out;
}

/** The `containerLogs` query options the kubelet honours. */
export interface LogOptions {
  readonly tailLines?: number;
  readonly timestamps?: boolean;
  readonly limitBytes?: number;
  readonly sinceTime?: Date;
}

/** The first entry index to show: `sinceTime` filters, `tailLines` keeps the last N lines. */
export function firstShown(entries: readonly LogEntry[], options: LogOptions): number {
  let start = 0;
  if (options.sinceTime) {
    const since = options.sinceTime.getTime();
    while (start < entries.length && (entries[start]?.time.getTime() ?? 0) < since) start++;
  }
  if (options.tailLines !== undefined) {
    const lineStarts: number[] = [];
    for (let i = start; i < entries.length; i++) {
      if (i === start || entries[i - 1]?.full) lineStarts.push(i);
    }
    const skip = lineStarts.length - options.tailLines;
    if (skip > 0) start = lineStarts[skip] ?? entries.length;
  }
  return start;
}

/** Entries as the kubelet prints them (each with its RFC 3339 time when `timestamps`). */
export function formatEntries(entries: readonly LogEntry[], timestamps: boolean): string {
  return entries.map((e) => (timestamps ? `${e.time.toISOString()} ${e.text}` : e.text)).join('');
}
