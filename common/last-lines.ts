/**
 * The end of a runner's output, for a failure reason: at most `lines` non-empty lines and
 * `chars` characters (cut at the start), trimmed.
 */
export function lastLines(text: string, lines = 10, chars = 1500): string {
  const kept = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(-lines)
    .join('\n');
  return kept.length <= chars ? kept : `…${kept.slice(kept.length - chars + 1)}`;
}
