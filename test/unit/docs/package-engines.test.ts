import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const lock = JSON.parse(
  readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8'),
) as { packages: Record<string, { engines?: { node?: string }; dev?: boolean }> };

type Version = readonly [number, number, number];

/** `20`, `20.9`, `20.x`, `20.9.0` → its lowest version, and how many parts were given. */
function parseVersion(text: string): { v: Version; parts: number } {
  const parts = text
    .replace(/^v/, '')
    .split('.')
    .filter((p) => p !== 'x' && p !== '*');
  const [a = 0, b = 0, c = 0] = parts.map(Number);
  return { v: [a, b, c], parts: parts.length };
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator of an npm range: `>=x`, `>x`, `<=x`, `<x`, `^x`, `~x`, `x`, `x.x`, `*`. */
function admitsOne(comparator: string, v: Version): boolean {
  const m = /^(>=|<=|>|<|\^|~|=)?\s*(.*)$/.exec(comparator.trim())!;
  const op = m[1] ?? '';
  if (m[2] === '' || m[2] === '*' || m[2] === 'x') return true;
  const { v: bound, parts } = parseVersion(m[2]!);
  const c = compare(v, bound);
  if (op === '>=') return c >= 0;
  if (op === '>') return c > 0;
  if (op === '<=') return c <= 0;
  if (op === '<') return c < 0;
  if (op === '^') return c >= 0 && v[0] === bound[0];
  // `~x.y.z` and a partial version (`20`, `4.x`, `20.9`): the same leading parts.
  const same = op === '~' ? Math.min(Math.max(parts, 2), 2) : parts;
  return c >= 0 && v.slice(0, same).every((n, i) => n === bound[i]);
}

/** Whether an `engines.node` range (alternatives joined by `||`) admits `v`. */
function admits(range: string, v: Version): boolean {
  return range.split('||').some((alt) =>
    alt
      .trim()
      .replace(/(>=|<=|>|<|\^|~|=)\s+/g, '$1')
      .split(/\s+/)
      .every((c) => admitsOne(c, v)),
  );
}

/** The first version of Node `major` that `range` admits, if any. */
function firstAdmitted(range: string, major: number): Version | undefined {
  for (let minor = 0; minor <= 40; minor++) {
    for (let patch = 0; patch <= 20; patch++) {
      if (admits(range, [major, minor, patch])) return [major, minor, patch];
    }
  }
  return undefined;
}

const own = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    engines: { node: string };
  }
).engines.node;

/** The Node LTS lines: the first version of each that package.json admits is "supported". */
const LTS_MAJORS = [20, 22, 24, 26];

describe('package-lock.json', () => {
  it('reads npm ranges as npm does', () => {
    expect(admits('^20.19.0 || ^22.13.0 || >=24', [22, 12, 0])).toBe(false);
    expect(admits('^20.19.0 || ^22.13.0 || >=24', [22, 13, 0])).toBe(true);
    expect(admits('18 || 20 || >=22', [20, 1, 0])).toBe(true);
    expect(admits('18 || 20 || >=22', [21, 0, 0])).toBe(false);
    expect(admits('>= 10.x', [10, 0, 0])).toBe(true);
    expect(admits('4.x || >=6.0.0', [5, 0, 0])).toBe(false);
    expect(firstAdmitted('>=20.19', 22)).toEqual([22, 0, 0]);
  });

  it('installs no package that refuses a supported Node version (npm ci prints no engine warning)', () => {
    const supported = LTS_MAJORS.map((m) => firstAdmitted(own, m)).filter((v) => v !== undefined);
    expect(supported[0], `package.json engines "${own}" admits Node 20`).toBeDefined();
    const refused = Object.entries(lock.packages).flatMap(([path, p]) => {
      const range = p.engines?.node;
      if (typeof range !== 'string') return [];
      return supported
        .filter((v) => !admits(range, v))
        .map((v) => `${path} (node ${range}) refuses Node ${v.join('.')}`);
    });
    expect(refused).toEqual([]);
  });
});
