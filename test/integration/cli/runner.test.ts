import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunResult } from '../../../common/run-result.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const handlers = `import { on } from 'quickcd';
on('PushEvent', async () => console.log('RAN a'), { name: 'a' });
on('PushEvent', async () => console.log('RAN b'), { name: 'b', blocking: false });
on('PushEvent', async (p, ctx) => { console.log('RAN c in ' + process.cwd()); await ctx.sh\`test -z "$(ls -A)"\`; throw new Error('c broke'); }, { name: 'c' });
`;

describe('quickcd runner', () => {
  it('runs one lane, skips completed handlers, writes a per-handler result and exits 1 on failure', async () => {
    const f = writeFiles({
      'handlers.ts': handlers,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '777' }),
      ),
    });
    const result = f.path('result.json');
    const r = await runCli([
      'runner',
      '--event',
      f.path('event.json'),
      '--handlers',
      f.path('handlers.ts'),
      '--lane',
      'blocking',
      '--completed',
      'a',
      '--result',
      result,
      '--reporter',
      'console',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('RAN a');
    expect(r.stdout).not.toContain('RAN b');
    expect(r.stdout).toMatch(/RAN c in \S*quickcd-/);
    const parsed = parseRunResult(readFileSync(result, 'utf8'));
    expect(parsed?.eventId).toBe('777');
    expect(parsed?.results).toEqual([
      {
        name: 'c',
        lane: 'blocking',
        ok: false,
        durationMs: expect.any(Number) as number,
        error: 'c broke',
        code: 'HANDLER_FAILED',
      },
    ]);
  });

  it('trusts the author associations of QUICKCD_TRUSTED_ASSOCIATIONS in handlers (isTrustedAuthor, ctx.env)', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on, isTrustedAuthor, TRUSTED_AUTHOR_ASSOCIATIONS } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  const asked = ['OWNER', 'MEMBER', 'CONTRIBUTOR', ['OWNER']];
  console.log('TRUSTED ' + JSON.stringify(asked.map((a) => isTrustedAuthor(a))));
  console.log('SET ' + JSON.stringify([...TRUSTED_AUTHOR_ASSOCIATIONS]));
  console.log('ENV ' + JSON.stringify([...ctx.env.trustedAssociations]));
}, { name: 'trust' });
`,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '779' }),
      ),
    });
    const run = (env: Record<string, string>) =>
      runCli(['runner', '--event', f.path('event.json'), '--handlers', f.path('handlers.ts')], {
        env: { QUICKCD_RESULT_FILE: f.path('out.json'), ...env },
      });
    const custom = await run({ QUICKCD_TRUSTED_ASSOCIATIONS: 'OWNER,CONTRIBUTOR' });
    expect(custom.code, custom.stderr).toBe(0);
    expect(custom.stdout).toContain('TRUSTED [true,false,true,false]');
    expect(custom.stdout).toContain('SET ["OWNER","CONTRIBUTOR"]');
    expect(custom.stdout).toContain('ENV ["OWNER","CONTRIBUTOR"]');

    const byDefault = await run({});
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.stdout).toContain('TRUSTED [true,true,false,false]');
    expect(byDefault.stdout).toContain('ENV ["OWNER","MEMBER","COLLABORATOR"]');

    const bad = await run({ QUICKCD_TRUSTED_ASSOCIATIONS: 'OWNER,ADMIN' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'QUICKCD_TRUSTED_ASSOCIATIONS: expected author_association values',
    );
    expect(bad.stderr).toContain('got "ADMIN"');
  });

  it('reads the result path from QUICKCD_RESULT_FILE and exits 0 when all succeed', async () => {
    const f = writeFiles({
      'handlers.ts': handlers,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '778' }),
      ),
    });
    const r = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--lane',
        'nonblocking',
      ],
      { env: { QUICKCD_RESULT_FILE: f.path('out.json') } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(
      parseRunResult(readFileSync(f.path('out.json'), 'utf8'))?.results.map((x) => [x.name, x.ok]),
    ).toEqual([['b', true]]);
  });

  it('--matched: runs the handlers matched when the event was stored, without their filters', async () => {
    const f = writeFiles({
      'handlers.ts': `
import { appendFileSync } from 'node:fs';
import { on } from 'quickcd';
const counted = (p: unknown, e: { id: string }) => {
  appendFileSync(process.env.FILTER_CALLS!, e.id + '\\n');
  return false;
};
on('PushEvent', async () => console.log('RAN deploy'), { name: 'deploy', filter: counted });
on('PushEvent', async () => console.log('RAN other'), { name: 'other', filter: counted });
`,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '779' }),
      ),
    });
    const calls = f.path('filter-calls.txt');
    writeFileSync(calls, '');
    const r = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--lane',
        'blocking',
        '--matched',
        'deploy',
        '--result',
        f.path('result.json'),
        '--reporter',
        'console',
      ],
      { env: { FILTER_CALLS: calls } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe('');
    expect(r.stdout).toContain('RAN deploy');
    expect(r.stdout).not.toContain('RAN other');
    expect(
      parseRunResult(readFileSync(f.path('result.json'), 'utf8'))?.results.map((x) => x.name),
    ).toEqual(['deploy']);
  });

  it('stops cleanly on SIGTERM: kills the command, records the handler as failed', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => { console.log('STARTED'); await ctx.sh\`sleep 600\`; }, { name: 'long' });
on('PushEvent', async () => console.log('NEVER'), { name: 'after' });`,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '779' }),
      ),
    });
    const started = Date.now();
    const r = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--result',
        f.path('r.json'),
      ],
      {
        onSpawn: (child) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('$ sleep 600')) child.kill('SIGTERM');
          });
        },
      },
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('NEVER');
    const results = parseRunResult(readFileSync(f.path('r.json'), 'utf8'))?.results;
    expect(results?.map((x) => [x.name, x.ok])).toEqual([
      ['long', false],
      ['after', false],
    ]);
    expect(results?.[1]?.error).toMatch(/not started/);
  });

  it('a signal to its whole process group, twice, still ends in a result', async () => {
    // A Ctrl-C or a group kill reaches the runner directly and through its supervisor: the
    // second copy must not kill it before it records what happened.
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => { await ctx.sh\`sleep 600\`; }, { name: 'long' });`,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '781' }),
      ),
    });
    let signalled = 0;
    const r = await runCli(
      ['runner', '--event', f.path('event.json'), '--handlers', f.path('handlers.ts')].concat([
        '--result',
        f.path('r.json'),
      ]),
      {
        detached: true,
        onSpawn: (child) => {
          const onOutput = (chunk: Buffer) => {
            const text = chunk.toString();
            if (signalled === 0 && text.includes('$ sleep 600')) {
              signalled++;
              process.kill(-child.pid!, 'SIGINT');
            } else if (signalled === 1 && text.includes('stopping')) {
              signalled++;
              process.kill(-child.pid!, 'SIGINT');
            }
          };
          child.stdout?.on('data', onOutput);
          child.stderr?.on('data', onOutput);
        },
      },
    );
    expect(signalled).toBe(2);
    expect(r.code, r.stderr).toBe(1);
    const results = parseRunResult(readFileSync(f.path('r.json'), 'utf8'))?.results;
    expect(results?.map((x) => [x.name, x.ok])).toEqual([['long', false]]);
    expect(results?.[0]?.error).toMatch(/SIGINT|stopped/);
  });

  it('a SIGTERM while the handlers load still ends in a result: nothing started, exit 1', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
console.log('LOADING');
await new Promise((r) => setTimeout(r, 3000));
on('PushEvent', async () => console.log('NEVER'), { name: 'deploy' });`,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '780' }),
      ),
    });
    const r = await runCli(
      [
        'runner',
        '--event',
        f.path('event.json'),
        '--handlers',
        f.path('handlers.ts'),
        '--result',
        f.path('r.json'),
      ],
      {
        onSpawn: (child) => {
          child.stdout?.on('data', (chunk: Buffer) => {
            if (chunk.toString().includes('LOADING')) child.kill('SIGTERM');
          });
        },
      },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).not.toContain('NEVER');
    const results = parseRunResult(readFileSync(f.path('r.json'), 'utf8'))?.results;
    expect(results?.map((x) => [x.name, x.ok])).toEqual([['deploy', false]]);
    expect(results?.[0]?.error).toMatch(/not started/);
  });

  it('rejects a malformed event naming the field', async () => {
    const f = writeFiles({
      'handlers.ts': handlers,
      'event.json': '{"id":"1","type":"PushEvent"}',
    });
    writeFileSync(f.path('x'), '');
    const r = await runCli([
      'runner',
      '--event',
      f.path('event.json'),
      '--handlers',
      f.path('handlers.ts'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/event\.json\.actor/);
  });
});

describe('quickcd runner inputs', () => {
  it('reads a gzip-compressed event and redacts the values of mounted Secret files', async () => {
    const { gzipSync } = await import('node:zlib');
    const { mkdirSync } = await import('node:fs');
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
import { readFileSync } from 'node:fs';
on('PushEvent', async (p, ctx) => {
  console.log('event', ctx.event.id, 'key', readFileSync(process.env.KEY_FILE!, 'utf8'));
});`,
    });
    writeFileSync(
      f.path('event.json.gz'),
      gzipSync(
        JSON.stringify(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '880' })),
      ),
    );
    mkdirSync(f.path('secrets'));
    writeFileSync(f.path('secrets/api-key'), 'very-secret-api-key\n');
    const r = await runCli(
      ['runner', '--event', f.path('event.json.gz'), '--handlers', f.path('handlers.ts')],
      { env: { QUICKCD_SECRET_DIRS: f.path('secrets'), KEY_FILE: f.path('secrets/api-key') } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('event 880 key ***');
    expect(r.stdout).not.toContain('very-secret-api-key');
  });
});
