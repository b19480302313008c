import type { InvariantResult, Violation } from './types.js';

/** Text the run left somewhere a secret must never be (a comment, a log line, a ConfigMap…). */
export interface Place {
  /** E.g. `comment 12 on acme/web` or `ConfigMap quickcd-acme-web-123`. */
  readonly where: string;
  readonly text: string;
  /** The event it belongs to, when known. */
  readonly event?: string;
}

/** Shows where a secret was found without printing it. */
function around(text: string, at: number, length: number): string {
  const before = text.slice(Math.max(0, at - 30), at);
  const after = text.slice(at + length, at + length + 30);
  return JSON.stringify(`${before}<secret>${after}`);
}

/** No known secret value appears in any place. */
export function checkNoSecret(
  secrets: readonly string[],
  places: readonly Place[],
): InvariantResult {
  const invariant = 'no secret anywhere';
  const violations: Violation[] = [];
  const kinds = new Map<string, number>();
  for (const p of places) {
    const kind = p.where.split(' ')[0] ?? p.where;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    for (const s of secrets) {
      if (s.length < 4) continue;
      const at = p.text.indexOf(s);
      if (at === -1) continue;
      violations.push({
        invariant,
        ...(p.event === undefined ? {} : { event: p.event }),
        detail: `a secret in ${p.where}: ${around(p.text, at, s.length)}`,
      });
    }
  }
  const searched = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
  return {
    invariant,
    figures: `${secrets.length} secrets searched in ${searched || 'nothing'}: ${violations.length} found`,
    violations,
  };
}
