/**
 * Quotes a value for bash: the result is always one word, taken literally. Arrays become one
 * quoted word per element. `x$(touch /tmp/pwned)` stays a harmless string.
 */
export function shellQuote(value: unknown): string {
  if (Array.isArray(value)) return value.map(shellQuote).join(' ');
  const text =
    typeof value === 'string'
      ? value
      : typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean'
        ? value.toString()
        : value === null || value === undefined
          ? ''
          : (JSON.stringify(value) ?? '');
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Builds a command from a tagged template, quoting every interpolated value. */
export function buildCommand(strings: readonly string[], values: readonly unknown[]): string {
  let command = strings[0] ?? '';
  values.forEach((value, i) => {
    command += shellQuote(value) + (strings[i + 1] ?? '');
  });
  return command;
}
