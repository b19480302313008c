import { describe, expect, it } from 'vitest';
import { settings } from '../../../common/config.js';
import { captureMain } from '../../support/capture-main.js';

describe('quickcd config', () => {
  it('lists every setting with its variables, legacy names, flag, default, value and source', async () => {
    const { code, stdout } = await captureMain(['config', '--store', 'file'], {
      QUICKCD_POLL_INTERVAL: '5',
      CD_GITHUB_TOKEN: 'ghp_supersecret',
      CD_GITHUB_ORG_NAME: 'acme',
      CD_GITHUB_REPO_NAME: 'webapp',
    });
    expect(code).toBe(0);
    for (const setting of Object.values(settings)) {
      for (const name of setting.env) expect(stdout).toContain(name);
    }
    expect(stdout).toContain('QUICKCD_POLL_INTERVAL, --poll-interval');
    expect(stdout).toMatch(
      /QUICKCD_POLL_INTERVAL.*\n.*\n\s+default: 60; value: 5 \(from QUICKCD_POLL_INTERVAL\)/,
    );
    expect(stdout).toMatch(
      /QUICKCD_STORE.*\n.*\n\s+default: kubernetes; value: file \(from --store\)/,
    );
    expect(stdout).toMatch(/value: acme\/webapp \(from CD_GITHUB_ORG_NAME\/CD_GITHUB_REPO_NAME\)/);
    expect(stdout).toMatch(
      /QUICKCD_GITHUB_TOKEN.*\n.*\n\s+default: -; value: \*\*\* \(from CD_GITHUB_TOKEN\)/,
    );
    expect(stdout).toContain('CD_DEBUG=true');
    expect(stdout).not.toContain('ghp_supersecret');
  });

  it('as JSON lines, and exit 2 naming an invalid value', async () => {
    const { code, stdout } = await captureMain(['config', '--json'], {
      QUICKCD_CONCURRENCY: 'many',
    });
    expect(code).toBe(2);
    const rows = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(Object.keys(settings).length);
    const concurrency = rows.find((r) => r.key === 'concurrency');
    expect(concurrency).toMatchObject({ source: 'QUICKCD_CONCURRENCY', default: '4' });
    expect(concurrency?.problem).toMatch(/expected a positive integer/);
  });
});
