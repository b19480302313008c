import { readSettings, settings, type Env, type Flags, type Setting } from './config.js';

/** One setting as `quickcd config` shows it. */
export interface SettingDescription {
  readonly key: string;
  /** Variables it is read from, first wins; the original quickcd's `CD_*` ones included. */
  readonly variables: readonly string[];
  readonly flag: string | undefined;
  /** The default, as text ('' when there is none). */
  readonly default: string;
  readonly describe: string;
  /** The effective value, as text (`***` for a secret that is set, '' when unset). */
  readonly value: string;
  /** `default`, `unset`, `--flag` or the variable it came from. */
  readonly source: string;
  /** Why the given value is refused, if it is. */
  readonly problem?: string;
}

/** A value as text: lists comma-joined, objects as JSON. */
export function formatSettingValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(String).join(',');
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The documented default of a setting ('' when it has none). */
export function settingDefault(setting: Setting): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  const result = setting.schema.safeParse(undefined);
  return result.success ? formatSettingValue(result.data) : '';
}

/** Every setting with its variables, flag, default, and its effective value and source. */
export function describeConfig(env: Env = process.env, flags: Flags = {}): SettingDescription[] {
  const { raw, source } = readSettings(env, flags);
  return Object.entries(settings as Record<string, Setting>).map(([key, setting]) => {
    const given = raw[key];
    const parsed = setting.schema.safeParse(given);
    const value = parsed.success ? parsed.data : given;
    const shown = formatSettingValue(value);
    return {
      key,
      variables: [...setting.env, ...(setting.legacy ? [setting.legacy] : [])],
      flag: setting.flag === undefined ? undefined : `--${setting.flag}`,
      default: settingDefault(setting),
      describe: setting.describe,
      value: setting.secret && shown !== '' ? '***' : shown,
      source: source[key] ?? (given === undefined && shown !== '' ? 'default' : 'unset'),
      ...(parsed.success ? {} : { problem: parsed.error.issues.map((i) => i.message).join('; ') }),
    };
  });
}
