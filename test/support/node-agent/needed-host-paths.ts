import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';

/**
 * The host directories a container running `quickcdCommand` needs to see: for an executable in
 * a `bin/` directory (Node) its installation prefix, for a script the checkout it belongs to
 * (the nearest directory with a package.json), else the file's directory.
 */
export function neededHostPaths(quickcdCommand: readonly string[]): string[] {
  const out = new Set<string>();
  for (const arg of quickcdCommand) {
    if (!isAbsolute(arg) || !existsSync(arg)) continue;
    const dir = dirname(arg);
    if (basename(dir) === 'bin') {
      const prefix = dirname(dir);
      if (existsSync(join(prefix, 'package.json'))) out.add(prefix);
      else out.add(prefix === '/' ? dir : prefix);
      continue;
    }
    let d = dir;
    while (d !== '/' && !existsSync(join(d, 'package.json'))) d = dirname(d);
    out.add(d === '/' ? dir : d);
  }
  return [...out];
}
