import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureMain } from '../../support/capture-main.js';
import { tempDir } from '../../support/fixtures.js';

const OPERATOR_COMMANDS = ['events', 'retry', 'skip', 'logs'] as const;
const SHARED = ['--store', '--state-dir', '--executor', '--kubeconfig', '--namespace'];

describe('operator commands: one set of store and cluster options', () => {
  it.each(OPERATOR_COMMANDS)('%s documents and accepts every shared option', async (name) => {
    const help = await captureMain([name, '--help']);
    expect(help.code).toBe(0);
    for (const option of SHARED) expect(help.stdout).toContain(option);

    const stateDir = tempDir();
    const args = [
      ...(name === 'events' ? [] : ['42']),
      '--store',
      'file',
      '--state-dir',
      stateDir,
      '--executor',
      'local',
      '--kubeconfig',
      join(stateDir, 'unused-kubeconfig'),
      '--namespace',
      'cd',
    ];
    const r = await captureMain([name, ...args]);
    // Parsed: what is left is the answer about event 42, which does not exist.
    expect(r.stderr).not.toMatch(/unknown option/);
    expect(r.code, r.stderr).toBe(name === 'events' ? 0 : name === 'logs' ? 1 : 2);
  });

  it.each(OPERATOR_COMMANDS)(
    '%s with a wrong --state-dir says so and creates nothing',
    async (name) => {
      const missing = join(tempDir(), 'no-such-dir');
      const r = await captureMain([
        name,
        ...(name === 'events' ? [] : ['42']),
        '--store',
        'file',
        '--executor',
        'local',
        '--state-dir',
        missing,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no state directory at ${missing}`);
      expect(existsSync(missing)).toBe(false);
    },
  );
});

describe('argument errors are quickcd’s own', () => {
  it('an unknown option is named, without Node’s parseArgs hints', async () => {
    const r = await captureMain(['events', '--stat', 'failed']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^quickcd events: unknown option --stat\b/);
    expect(r.stderr).not.toMatch(/positional argument|place it at the end|'--'/);
    expect(r.stderr).toContain('Usage: quickcd events');
  });

  it('an option without its value says which value it needs', async () => {
    const r = await captureMain(['retry', '42', '--state-dir']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^quickcd retry: --state-dir needs a value/);
  });

  it('a value given to a switch, and an unexpected argument, are refused by name', async () => {
    const a = await captureMain(['events', '--json=yes']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^quickcd events: --json takes no value/);
    const b = await captureMain(['config', 'extra']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^quickcd config: unexpected argument "extra"/);
  });
});
