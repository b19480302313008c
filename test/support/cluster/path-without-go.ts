import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** `path` (default: this process's PATH) without the directories that hold a `go`. */
export function pathWithoutGo(path = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && !existsSync(join(dir, 'go')))
    .join(delimiter);
}
