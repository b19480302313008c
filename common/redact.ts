/**
 * Replaces every known secret value with `***`. Longest first, so a secret that contains
 * another is hidden whole. Values shorter than 4 characters are ignored (they would mask
 * ordinary text and protect nothing).
 */
export type Redact = (text: string) => string;

export function createRedactor(secrets: Iterable<string | undefined>): Redact {
  const values = [...new Set([...secrets].filter((s): s is string => !!s && s.length >= 4))];
  if (values.length === 0) return (text) => text;
  values.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, '***');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
