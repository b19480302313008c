import { secretForms } from './secret-forms.js';

/** Replaces every known secret, in every form quickcd knows it may be printed in, with `***`. */
export type Redact = (text: string) => string;

/** A {@link Redact} that can also say how much of a stream's end may be the start of a secret. */
export interface Redactor extends Redact {
  /**
   * The length of the longest end of `text` that is the beginning (not the whole) of a form of
   * a secret: what a stream must hold back until the next write shows whether it is one.
   */
  heldBack(text: string): number;
  /**
   * Splits a stream's text so far into what can be written now (redacted) and what must wait
   * for the next write: an end that may begin a secret, unless a whole secret straddles it.
   */
  split(text: string): { readonly ready: string; readonly rest: string };
}

/**
 * Credentials in a URL, whether or not they are known secrets: the password of
 * `https://user:secret@host`, the whole of `https://token@host`.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)(?:([^\s/@:'"`<>]*):)?[^\s/@'"`<>]+@/gi;

/**
 * Replaces every known secret value with `***`, in each of the forms of {@link secretForms}
 * (as is, shell-quoted, HTML-, JSON- and URL-escaped, base64, line by line), longest first so a
 * secret that contains another is hidden whole, and the credentials of every URL. Values
 * shorter than 4 characters are ignored (they would mask ordinary text and protect nothing).
 */
export function createRedactor(secrets: Iterable<string | undefined>): Redactor {
  const forms = secretForms(secrets);
  const pattern =
    forms.length === 0 ? undefined : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  const redact = (text: string) => {
    const known = pattern ? text.replace(pattern, '***') : text;
    return known.replace(URL_CREDENTIALS, (_m, scheme: string, user?: string) =>
      user === undefined ? `${scheme}***@` : `${scheme}${user}:***@`,
    );
  };
  const heldBack = heldBackBy(forms);
  const split = (text: string) => {
    let cut = text.length - heldBack(text);
    if (pattern && cut < text.length) {
      // A whole form that began before the cut and ends after it is written whole.
      for (const match of text.matchAll(pattern)) {
        const end = match.index + match[0].length;
        if (match.index < cut && end > cut) cut = end;
        if (match.index >= cut) break;
      }
    }
    return { ready: cut === 0 ? '' : redact(text.slice(0, cut)), rest: text.slice(cut) };
  };
  return Object.assign(redact, { heldBack, split });
}

function heldBackBy(forms: readonly string[]): (text: string) => number {
  const single = forms.filter((f) => !f.includes('\n'));
  if (single.length === 0) return () => 0;
  const longest = Math.max(...single.map((f) => f.length));
  // Cheap first test of a candidate end: its first (up to) 4 characters begin some form.
  const starts = new Set<string>();
  for (const f of single)
    for (let n = 1; n <= Math.min(4, f.length - 1); n++) starts.add(f.slice(0, n));
  return (text) => {
    for (let n = Math.min(longest - 1, text.length); n > 0; n--) {
      const at = text.length - n;
      if (!starts.has(text.slice(at, at + 4))) continue;
      const end = text.slice(at);
      if (single.some((f) => f.length > n && f.startsWith(end))) return n;
    }
    return 0;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
