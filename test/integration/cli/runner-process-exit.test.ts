import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../../common/run-result.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

/** A handler that calls process.exit(0) ends the runner with success status and no result. */
const EXITS = `import { writeFileSync } from 'node:fs';
import { on } from 'quickcd';
on('PushEvent', async () => { console.log('done early'); process.exit(0); }, { name: 'quitter' });
on('PushEvent', async () => { writeFileSync(process.env.MARK_DIR + '/after', 'ran'); }, { name: 'after' });
`;

describe('a handler that calls process.exit(0)', () => {
  it('fails that handler: the runner exits 1 with a result saying so; the rest did not run', async () => {
    const f = writeFiles({
      'handlers.ts': EXITS,
      'event.json': JSON.stringify(makeEvent('PushEvent', pushPayload('refs/heads/main'))),
    });
    const r = await runCli(
      [
        'runner',
        ...['--event', f.path('event.json'), '--handlers', f.path('handlers.ts')],
        ...['--result', f.path('result.json'), '--reporter', 'console'],
      ],
      { env: { MARK_DIR: f.dir }, timeoutMs: 30_000 },
    );
    expect(r.code, r.stderr).toBe(1);
    const result = parseRunResult(readFileSync(f.path('result.json'), 'utf8'));
    expect(result?.results).toEqual([
      {
        name: 'quitter',
        lane: 'blocking',
        ok: false,
        durationMs: expect.any(Number),
        error: expect.stringMatching(/exited with status 0 inside handler quitter .*process\.exit/),

        code: 'HANDLER_FAILED',
      },
    ]);
    expect(existsSync(f.path('after'))).toBe(false);
  });
});
