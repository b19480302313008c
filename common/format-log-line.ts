const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** `key=value`, quoted when the value has spaces, quotes or `=`. */
function field(key: string, value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : value instanceof Object && 'message' in value && typeof value.message === 'string'
        ? 'code' in value && typeof value.code === 'string'
          ? `${value.message} (${value.code})`
          : value.message
        : JSON.stringify(value);
  return `${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`;
}

/**
 * One pino JSON line as one short line for people: `10:02:20 WARN poll failed repo=acme/webapp
 * err="…"`. An error's stack follows, indented, only when `stacks` is set (debug logging).
 * A line that is not pino JSON is returned as it is.
 */
export function formatLogLine(line: string, options: { stacks?: boolean } = {}): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (record === null || typeof record !== 'object') return line;
  const { time, level, msg, ...rest } = record;
  const at = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '';
  const name = LEVELS[Number(level)] ?? String(level);
  const fields = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => field(k, v));
  const stacks = Object.values(rest)
    .map((v) => (v instanceof Object && 'stack' in v ? v.stack : undefined))
    .filter((s): s is string => options.stacks === true && typeof s === 'string')
    .map((s) => `\n    ${s.split('\n').join('\n    ')}`);
  return `${[at, name, typeof msg === 'string' ? msg : '', ...fields].filter(Boolean).join(' ')}${stacks.join('')}\n`;
}
