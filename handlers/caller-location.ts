import { fileURLToPath } from 'node:url';

/** Where quickcd's own code lives (dist/ when built; the command runs dist/bundle/): not the user's. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const INTERNAL = ['bundle/', 'handlers/', 'runner/', 'common/', 'cli/', 'scheduler/'].map(
  (d) => ROOT + d,
);

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** `file:line:column`, as editors and terminals link it. */
export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/**
 * The frames of a stack that are the user's code (handlers files and their modules), in
 * order, with source maps applied by Node: not quickcd's own files, not Node's internals.
 */
export function userFrames(stack: string | undefined): SourceLocation[] {
  const frames: SourceLocation[] = [];
  for (const line of (stack ?? '').split('\n')) {
    const match = /^\s+at (?:.*\()?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(line);
    if (!match?.[1]) continue;
    let file = match[1];
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    file = file.replace(/\?.*$/, '');
    if (!file.startsWith('/') || isInternal(file)) continue;
    frames.push({ file, line: Number(match[2]), column: Number(match[3]) });
  }
  return frames;
}

/** The user's frames of the current stack: where their code called into quickcd just now. */
export function callerFrames(): SourceLocation[] {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, callerFrames);
  return userFrames(holder.stack);
}

/** The innermost of {@link callerFrames}. */
export function callerLocation(): SourceLocation | undefined {
  return callerFrames()[0];
}

function isInternal(file: string): boolean {
  if (file.includes('/node_modules/')) return true;
  return INTERNAL.some((dir) => file.startsWith(dir)) && !file.includes('/examples/');
}
