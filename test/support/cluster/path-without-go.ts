import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * `path` (default: this process's PATH) with no `go` on it: a directory holding one is replaced
 * by a copy of it made of symlinks, without `go`, under `shadowRoot` (the caller removes it;
 * Debian's /usr/bin/go sits beside bash and coreutils, which the build script still needs).
 */
export function pathWithoutGo(shadowRoot: string, path = process.env.PATH ?? ''): string {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => {
      if (!existsSync(join(dir, 'go'))) return dir;
      const shadow = mkdtempSync(join(shadowRoot, 'no-go-'));
      for (const name of readdirSync(dir)) {
        if (name !== 'go') symlinkSync(join(dir, name), join(shadow, name));
      }
      return shadow;
    })
    .join(delimiter);
}
