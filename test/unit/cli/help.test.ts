import { describe, expect, it } from 'vitest';
import { captureMain } from '../../support/capture-main.js';

describe('quickcd run --help', () => {
  it('lists every handlers file extension and every log level', async () => {
    const { code, stdout } = await captureMain(['run', '--help']);
    expect(code).toBe(0);
    for (const ext of ['.ts', '.mts', '.mjs', '.js']) expect(stdout).toContain(ext);
    for (const level of ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']) {
      expect(stdout).toMatch(new RegExp(`\\b${level}\\b`));
    }
  });
});
