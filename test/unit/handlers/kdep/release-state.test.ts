import { describe, expect, it } from 'vitest';
import { statusTable } from '../../../../handlers/kdep/chart-outcome.js';
import { secretName } from '../../../../handlers/kdep/provision-secrets.js';
import { lastDeployedRevision } from '../../../../handlers/kdep/release-state.js';

describe('lastDeployedRevision', () => {
  it('is the highest deployed revision of helm history -o json, ignoring failed ones', () => {
    // The shape `helm history -o json` prints (Helm 3).
    const history = [
      { revision: 1, updated: '2026-11-20T09:00:00Z', status: 'superseded', chart: 'a-0.1.0' },
      { revision: 2, updated: '2026-11-20T09:05:00Z', status: 'deployed', chart: 'a-0.1.1' },
      { revision: 3, updated: '2026-11-20T09:10:00Z', status: 'failed', chart: 'a-0.1.2' },
    ];
    expect(lastDeployedRevision(history)).toBe(2);
    expect(lastDeployedRevision([{ revision: 1, status: 'failed' }])).toBeUndefined();
  });
});

describe('secretName', () => {
  it('carries the key and a hash of the value: a new value, a new name', () => {
    const a = secretName('dbPassword', 'hunter22');
    expect(a).toMatch(/^kdep-dbpassword-[0-9a-f]{20}$/);
    expect(secretName('dbPassword', 'hunter22')).toBe(a);
    expect(secretName('dbPassword', 'hunter23')).not.toBe(a);
    expect(a).not.toContain('hunter');
    expect(secretName('__', 'x')).toMatch(/^kdep-secret-/);
  });
});

describe('statusTable', () => {
  it('has a row per chart with status and previous revision', () => {
    const table = statusTable([
      { chart: 'api-a', namespace: 'api', status: 'rolled back', lastRevision: 2, note: 'x|y' },
      {
        chart: 'api-b',
        namespace: 'api',
        status: 'uninstalled',
        lastRevision: undefined,
        note: '',
      },
    ]);
    expect(table.split('\n')).toEqual([
      '| chart | namespace | status | previous revision | note |',
      '|---|---|---|---|---|',
      '| api-a | api | rolled back | 2 | x\\|y |',
      '| api-b | api | uninstalled | — |  |',
    ]);
  });
});
