import type { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { isQuickcdError } from '../../../../common/errors.js';
import { publishHandlers } from '../../../../scheduler/kubernetes/publish-handlers.js';
import { writeFiles } from '../../../support/fixtures.js';

const log = pino({ level: 'silent' });
/** Too large is refused before anything is sent: any call to the API fails the test. */
const core = new Proxy({} as CoreV1Api, {
  get: (_t, name) => () => {
    throw new Error(`unexpected Kubernetes call ${String(name)}`);
  },
});

describe('publishHandlers', () => {
  it('refuses a bundle too large for a ConfigMap, naming the file, its largest part and the fix', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';\nimport { table } from './data.js';\non('PushEvent', async () => console.log(table.length));\n`,
      'data.ts': `export const table = ${JSON.stringify('x'.repeat(1_100_000))};\n`,
    });
    const error: unknown = await publishHandlers({
      core,
      namespace: 'cd',
      file: f.path('handlers.ts'),
      scheduler: 'quickcd-scheduler',
      log,
    }).catch((e: unknown) => e);
    expect(isQuickcdError(error, 'HANDLERS_LOAD_FAILED')).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(`The handlers file ${f.path('handlers.ts')} bundles to`);
    expect(message).toMatch(/more than the 1,032,192 a ConfigMap can hold/);
    expect(message).toContain(`(largest: ${f.path('data.ts')} (1,10`);
    expect(message).toMatch(/import less/);
  });
});
