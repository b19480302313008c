import { describe, expect, it } from 'vitest';
import { writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';
import { UNREACHABLE_KUBECONFIG } from '../../support/unreachable-kubeconfig.js';

describe('operator commands against an unreachable cluster', () => {
  it.each([['events'], ['retry', '45123456789'], ['skip', '45123456789']])(
    'quickcd %s names the server and the way to the file store, exit 2',
    async (...args: string[]) => {
      const f = writeFiles({ kubeconfig: UNREACHABLE_KUBECONFIG });
      const r = await runCli([...args, '--kubeconfig', f.path('kubeconfig')]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/cannot reach the Kubernetes cluster at https:\/\/127\.0\.0\.1:1\b/);
      expect(r.stderr).toContain('--store file');
      expect(r.stderr).not.toContain('unexpected error');
    },
  );
});
