/** Shorter values are not redacted: they would mask ordinary text and protect nothing. */
export const MIN_SECRET_LENGTH = 4;
/** Base64 forms only for values at least this long, and fragments at least this long. */
export const MIN_BASE64_LENGTH = 8;

/**
 * Every form in which quickcd (or a common tool) may print a secret, for each value: as is;
 * shell-quoted as `sh` interpolates it (`It'\''s`); HTML-escaped (as in a `<summary>`);
 * JSON-escaped (as in a log line); URL-encoded; base64, standard and URL-safe, at each of the
 * three alignments it can have inside a longer encoded text (values of at least
 * {@link MIN_BASE64_LENGTH} characters). A multi-line value is also redacted line by line, so a
 * key file printed one line at a time is hidden too. Longest first.
 */
export function secretForms(secrets: Iterable<string | undefined>): string[] {
  const forms = new Set<string>();
  const add = (form: string) => {
    if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
  };
  for (const value of secrets) {
    if (!value || value.length < MIN_SECRET_LENGTH) continue;
    const lines = value.includes('\n')
      ? value.split('\n').map((line) => line.replace(/\s+$/, '').replace(/^\s+/, ''))
      : [];
    for (const text of [value, value.trim(), ...lines]) {
      if (text.length < MIN_SECRET_LENGTH) continue;
      for (const form of escapedForms(text)) add(form);
    }
    for (const text of new Set([value, value.trim()])) {
      if (text.length < MIN_BASE64_LENGTH) continue;
      for (const form of base64Forms(text)) add(form);
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/**
 * The value, shell-quoted; each of those HTML-escaped (and Markdown-escaped); each of those JSON-escaped (once, and
 * twice: JSON carried in a log line) — a failed command's message in a debug log is all three —
 * and the value URL-encoded.
 */
function escapedForms(text: string): string[] {
  const shell = [text, text.replace(/'/g, `'\\''`)];
  // As in a <summary>, and as in a Markdown title (HTML-escaped, then \ ` * _ [ ] escaped).
  const html = shell.flatMap((t) => [
    t,
    escapeHtml(t),
    escapeHtml(t, true),
    escapeHtml(t).replace(/([\\`*_[\]])/g, '\\$1'),
  ]);
  const json = html.flatMap((t) => {
    const once = JSON.stringify(t).slice(1, -1);
    return [t, once, JSON.stringify(once).slice(1, -1)];
  });
  const url = [
    encodeURIComponent(text),
    encodeURI(text),
    encodeURIComponent(text).replace(/%20/g, '+'),
  ];
  return [...new Set([...json, ...url])];
}

function escapeHtml(text: string, quotes = false): string {
  const basic = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quotes ? basic.replace(/"/g, '&quot;').replace(/'/g, '&#39;') : basic;
}

/**
 * The part of `base64(prefix + text + suffix)` that depends on `text` alone, for each length of
 * prefix modulo 3: the characters whose 6 bits all come from `text`.
 */
function base64Forms(text: string): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const start = [0, 2, 3][shift]!;
    const end = Math.floor((shift + bytes.length) / 3) * 4;
    const standard = encoded.slice(start, end);
    if (standard.length < MIN_BASE64_LENGTH) continue;
    forms.push(standard, standard.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}
