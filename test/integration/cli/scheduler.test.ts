import { describe, expect, it } from 'vitest';
import { tempDir, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';
import { UNREACHABLE_KUBECONFIG } from '../../support/unreachable-kubeconfig.js';

const HANDLERS = 'handlers/examples/pipeline.ts';

describe('quickcd scheduler: bad input names the problem and the fix', () => {
  it('no repository: names QUICKCD_REPO', async () => {
    const r = await runCli(['scheduler', '--handlers', HANDLERS], {
      env: { QUICKCD_GITHUB_TOKEN: 'x' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('QUICKCD_REPO=owner/name');
  });

  it('no credentials: names the token variable', async () => {
    const r = await runCli(['scheduler', '--handlers', HANDLERS, '--repo', 'acme/webapp']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('QUICKCD_GITHUB_TOKEN');
  });

  it('no cluster: says how to run embedded', async () => {
    const r = await runCli(['scheduler', '--handlers', HANDLERS, '--repo', 'acme/webapp'], {
      env: { QUICKCD_GITHUB_TOKEN: 'x', HOME: tempDir() },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no Kubernetes cluster is configured');
    expect(r.stderr).toContain('--store file --executor local');
  });

  it('an unreachable cluster: says so, names the server and how to run embedded, exit 2', async () => {
    const f = writeFiles({ kubeconfig: UNREACHABLE_KUBECONFIG });
    const r = await runCli(
      [
        'scheduler',
        '--handlers',
        HANDLERS,
        '--repo',
        'acme/webapp',
        '--kubeconfig',
        f.path('kubeconfig'),
      ],
      { env: { QUICKCD_GITHUB_TOKEN: 'x' } },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cannot reach the Kubernetes cluster at https:\/\/127\.0\.0\.1:1\b/);
    expect(r.stderr).toContain('--store file --executor local');
    expect(r.stderr).not.toContain('unexpected error');
  });

  it('a handlers import that cannot be resolved fails the start, naming the file, the import and the fix', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';\nimport { x } from './lib/nope.js';\non('PushEvent', async () => x);\n`,
    });
    const r = await runCli(
      [
        ...['scheduler', '--handlers', f.path('handlers.ts'), '--repo', 'acme/webapp'],
        ...['--store', 'file', '--state-dir', f.path('state'), '--executor', 'local'],
      ],
      // Nothing listens there: the handlers are checked before GitHub is asked anything.
      { env: { QUICKCD_GITHUB_TOKEN: 'x', QUICKCD_GITHUB_URL: 'http://127.0.0.1:1' } },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `Cannot load handlers file ${f.path('handlers.ts')}: line 2, column 19: Could not resolve "./lib/nope.js"`,
    );
    expect(r.stderr).toContain('a .ts module is imported as ./name.js or ./name.ts');
  });

  it('an invalid store names the flag and the choices', async () => {
    const r = await runCli(['scheduler', '--handlers', HANDLERS, '--store', 'redis'], {
      env: { QUICKCD_GITHUB_TOKEN: 'x', QUICKCD_REPO: 'acme/webapp' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--store: .*kubernetes.*file.*got "redis"/);
  });
});
