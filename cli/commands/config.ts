import { settings, type Setting } from '../../common/config.js';
import { describeConfig, type SettingDescription } from '../../common/describe-config.js';
import type { Command } from '../command.js';

/** Every setting's flag, so `quickcd config --store file` shows what that flag would do. */
const settingFlags = Object.fromEntries(
  Object.values(settings as Record<string, Setting>)
    .filter((s) => s.flag !== undefined)
    .map((s) => [s.flag, { type: 'string' as const }]),
);

export const configCommand: Command = {
  name: 'config',
  usage: `Usage: quickcd config [--json] [--<setting flag> <value> …]

Prints every setting: the environment variables it is read from (the first one set wins; the
original quickcd's CD_* names included), its flag (a flag wins over variables), its default,
and the value in effect here with where it came from. Secrets are shown as ***.

Options:
  --json    one JSON object per setting
  any setting flag (--store file, --repo acme/webapp …): shown as in effect

Exit status: 0, or 2 when a value in effect is invalid.`,
  options: { ...settingFlags, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  async run({ flags, env, stdout }) {
    const rows = describeConfig(env, flags);
    if (flags.json === true) {
      for (const row of rows) stdout(`${JSON.stringify(row)}\n`);
    } else {
      stdout(`${rows.map(formatRow).join('\n')}\n`);
    }
    return rows.some((r) => r.problem !== undefined) ? 2 : 0;
  },
};

function formatRow(row: SettingDescription): string {
  const names = [...row.variables, ...(row.flag ? [row.flag] : [])].join(', ');
  const value =
    row.source === 'unset'
      ? 'not set'
      : `${row.value === '' ? '(empty)' : row.value} (${row.source === 'default' ? 'default' : `from ${row.source}`})`;
  return [
    names,
    `    ${row.describe}`,
    `    default: ${row.default || '-'}; value: ${value}`,
    ...(row.problem ? [`    INVALID: ${row.problem}`] : []),
  ].join('\n');
}
