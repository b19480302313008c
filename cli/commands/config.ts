import { describeSettings } from '../../common/config.js';
import type { Command } from '../command.js';

export const configCommand: Command = {
  name: 'config',
  summary: 'list every setting: environment variables and flags',
  usage:
    'Usage: quickcd config\n\nPrints every setting, the variables it is read from and its flag.',
  options: { help: { type: 'boolean', short: 'h' } },
  async run({ stdout }) {
    stdout(
      `Settings (a flag wins over variables; the first variable set wins):\n${describeSettings()}\n`,
    );
    return 0;
  },
};
