/**
 * A function rewriting every occurrence of a container path (exactly one of `paths`, or one
 * followed by `/…`) that starts a word (after start, whitespace, a quote, `=`, `:`, `>`, `<`,
 * `(`, `|`, `;` or `&`) to `<root><path>`. Used by the `remap` sandbox mode only, where a
 * container's paths cannot be mounted and live under a per-container directory instead.
 */
export function pathRewriter(root: string, paths: readonly string[]): (s: string) => string {
  const usable = [...new Set(paths)]
    .filter((p) => p.startsWith('/') && p !== '/')
    .sort((a, b) => b.length - a.length);
  if (usable.length === 0) return (s) => s;
  const alternatives = usable.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const re = new RegExp(`(^|[\\s'"=:><(|;&])(${alternatives})(?=$|[/\\s'":;)&|<>])`, 'g');
  return (s) => s.replace(re, (_all, before: string, path: string) => `${before}${root}${path}`);
}
