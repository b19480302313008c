import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const events = (list: unknown[]) => JSON.stringify(list);

// Handlers that record the order they ran in; written to a temp dir outside the repository.
const orderHandlers = `
import { on } from 'quickcd';
const seen = (what: string) => console.log('RAN ' + what);
on('PushEvent', async function deploy(p, ctx) { seen('deploy ' + ctx.event.id); }, {
  filter: (p) => p.ref === 'refs/heads/main',
});
on('PushEvent', async (p, ctx) => { seen('notify ' + ctx.event.id); }, { name: 'notify', blocking: false });
on('PushEvent', async () => {}, { name: 'throws-in-filter', filter: () => { throw new Error('bad filter'); } });
`;

describe('quickcd run', () => {
  it('runs non-blocking handlers of all events first, then blocking ones in event-id order', async () => {
    const f = writeFiles({
      'handlers.ts': orderHandlers,
      // Newest first as the API returns them, and ids of different lengths.
      'events.json': events([
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '100' }),
        makeEvent('PushEvent', pushPayload('refs/heads/dev'), { id: '99' }),
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '98' }),
        makeEvent('WatchEvent', { action: 'started' }, { id: '97' }),
      ]),
    });
    const r = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('handlers.ts'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    // The throwing filter counts as no match, and is reported once per event.
    expect(r.stderr.match(/filter threw: counted as no match/g)).toHaveLength(3); // once per PushEvent
    expect(r.stderr).toContain('handler=throws-in-filter err="bad filter"');
    const order = [...r.stdout.matchAll(/^RAN (.*)$/gm)].map((m) => m[1]);
    expect(order).toEqual(['notify 98', 'notify 99', 'notify 100', 'deploy 98', 'deploy 100']);
    expect(r.stdout).toMatch(
      /4 event\(s\), 1 matched no handler; 5 handler run\(s\): 5 succeeded, 0 failed/,
    );
  });

  it('runs each event’s filters once, however many handlers and lanes it has', async () => {
    // Each call of a filter appends a line: the count is what the filters cost.
    const f = writeFiles({
      'handlers.ts': `
import { appendFileSync } from 'node:fs';
import { on } from 'quickcd';
const counted = (name: string, ok: boolean) => (p: unknown, e: { id: string }) => {
  appendFileSync(process.env.FILTER_CALLS!, name + ' ' + e.id + '\\n');
  return ok;
};
on('PushEvent', async () => console.log('RAN deploy'), { name: 'deploy', filter: counted('deploy', true) });
on('PushEvent', async () => console.log('RAN notify'), { name: 'notify', blocking: false, filter: counted('notify', true) });
on('PushEvent', async () => console.log('RAN never'), { name: 'never', filter: counted('never', false) });
`,
      'events.json': events([
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '11' }),
        makeEvent('PushEvent', pushPayload('refs/heads/main'), { id: '12' }),
      ]),
    });
    const calls = f.path('filter-calls.txt');
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', f.path('handlers.ts')],
      { env: { FILTER_CALLS: calls } },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8').trim().split('\n').sort()).toEqual([
      'deploy 11',
      'deploy 12',
      'never 11',
      'never 12',
      'notify 11',
      'notify 12',
    ]);
    expect(r.stdout.match(/^RAN deploy$/gm)).toHaveLength(2);
    expect(r.stdout.match(/^RAN notify$/gm)).toHaveLength(2);
    expect(r.stdout).not.toContain('RAN never');
  });

  it('loads .mjs and .js handlers files from anywhere too', async () => {
    for (const name of ['handlers.mjs', 'handlers.js']) {
      const f = writeFiles({
        [name]: `import { on } from 'quickcd';\non('PushEvent', async () => console.log('JS OK'));\n`,
        'events.json': events([makeEvent('PushEvent', pushPayload('refs/heads/main'))]),
      });
      const r = await runCli([
        'run',
        '--events',
        f.path('events.json'),
        '--handlers',
        f.path(name),
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('JS OK');
    }
  });

  it('exits 1 when a handler fails, still running the others, and says which', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => { await ctx.sh\`echo about to fail; exit 7\`; }, { name: 'fails' });
on('PushEvent', async () => { console.log('OTHER RAN'); }, { name: 'other' });`,
      'events.json': events([makeEvent('PushEvent', pushPayload('refs/heads/main'))]),
    });
    const r = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('handlers.ts'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('OTHER RAN');
    expect(r.stdout).toMatch(/✘ fails failed .*exited with code 7/);
    expect(r.stdout).toMatch(/1 succeeded, 1 failed \(fails\)/);
    // Said once, for people: no log dump of the same error after the summary.
    expect(r.stderr).toBe('');
    const debug = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('handlers.ts'),
      '--log-level',
      'debug',
    ]);
    // One line, `{ err }`: its code after the message, its stack below at debug level.
    expect(debug.stderr).toMatch(
      /INFO handler failed .*err="Command exited with code 7: .*\(COMMAND_FAILED\)"/,
    );
    expect(debug.stderr).toContain('CommandError: Command exited with code 7');
  });

  it('quotes interpolations: a branch named x$(touch …) creates no file', async () => {
    const f = writeFiles({ 'events.json': '' });
    const marker = join(f.dir, 'pwned');
    f.path('x');
    const g = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => { console.log('BRANCH=' + await ctx.sh\`echo \${p.ref}\`); });`,
      'events.json': events([
        makeEvent('PushEvent', pushPayload(`refs/heads/x$(touch ${marker})`)),
      ]),
    });
    const r = await runCli([
      'run',
      '--events',
      g.path('events.json'),
      '--handlers',
      g.path('handlers.ts'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`BRANCH=refs/heads/x$(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
  });

  it('prints each comment as Markdown with <details> sections, and statuses', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async function deploy(p, ctx) {
  const log = ctx.commitLogger(p.head);
  const sh = ctx.loggingShell(log);
  log('Event', p.ref);
  await sh\`echo building\`;
  await sh\`echo broken >&2; exit 2\`.catch(() => {});
  await ctx.setCommitStatus(p.head, 'success', 'Deployed', log);
});`,
      'events.json': events([
        makeEvent('PushEvent', pushPayload('refs/heads/main', 'c'.repeat(40))),
      ]),
    });
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', f.path('handlers.ts')],
      {
        env: { QUICKCD_CLUSTER_ID: 'prod/us-south/c1' },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('## prod/us-south/c1: deploy');
    expect(r.stdout).toMatch(/<details><summary>✅ <code>echo building<\/code>/);
    expect(r.stdout).toMatch(
      /<details><summary>❌ <code>echo broken &gt;&amp;2; exit 2<\/code> \(exit code 2\)/,
    );
    expect(r.stdout).toMatch(/stderr:\n\n```\nbroken\n```/);
    expect(r.stdout).toContain(`● status success [prod/us-south/c1] on cccccccccccc: Deployed`);
  });

  it('enforces timeoutSeconds, killing the commands the handler started', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => { await ctx.sh\`sleep 1000\`; }, { name: 'slow', timeoutSeconds: 1 });`,
      'events.json': events([makeEvent('PushEvent', pushPayload('refs/heads/main'))]),
    });
    const started = Date.now();
    const r = await runCli([
      'run',
      '--events',
      f.path('events.json'),
      '--handlers',
      f.path('handlers.ts'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✘ slow failed .*timed out after 1 s/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('redacts secrets from handler output and comments', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  console.log('env says', ctx.env.vars.DEPLOY_KEY);
  await ctx.loggingShell(log)\`echo key=$DEPLOY_KEY\`;
});`,
      'events.json': events([makeEvent('PushEvent', pushPayload('refs/heads/main'))]),
    });
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', f.path('handlers.ts')],
      {
        env: { DEPLOY_KEY: 'sup3r-s3cret-value', QUICKCD_SECRET_ENV: 'DEPLOY_KEY' },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('sup3r-s3cret-value');
    expect(r.stdout).toContain('key=***');
  });

  it('exits 2 with a clear message for bad input', async () => {
    const ok = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';\non('PushEvent', async () => {});\n`,
      'syntax.ts': `import { on } from 'quickcd';\n\non('PushEvent', async () => { const = 1 });\n`,
      'throws.mjs': `import { on } from 'quickcd';\nthrow new Error('config missing');\n`,
      'events.json': events([makeEvent('PushEvent', pushPayload('refs/heads/main'))]),
      'not-json.json': '[{"id": ',
      'malformed.json': events([
        { id: 'x', type: 'PushEvent' },
        makeEvent('PushEvent', pushPayload('refs/heads/main')),
      ]),
      'comments.ts': `import { on } from 'quickcd';\non('PushEvent', async (p, ctx) => { ctx.commitLogger(p.head)('Step', 'ok'); });\n`,
      'no-head.json': events([
        makeEvent(
          'PushEvent',
          { ...pushPayload('refs/heads/main'), head: undefined },
          { id: '45999' },
        ),
      ]),
    });
    const run = (events: string, handlers: string) =>
      runCli(['run', '--events', ok.path(events), '--handlers', ok.path(handlers)]);

    const syntax = await run('events.json', 'syntax.ts');
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/Cannot load handlers file .*syntax\.ts: line 3, column \d+: /);

    const throws = await run('events.json', 'throws.mjs');
    expect(throws.code).toBe(2);
    expect(throws.stderr).toMatch(/throws\.mjs: line 2, column \d+: config missing/);

    const missing = await run('events.json', 'nope.ts');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.ts: file not found/);

    const notJson = await run('not-json.json', 'handlers.ts');
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/not-json\.json is not valid JSON/);

    const malformed = await run('malformed.json', 'handlers.ts');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(
      /skipped malformed event \[0\]\.id: expected a decimal event id/,
    );
    expect(malformed.stdout).toMatch(/1 handler run\(s\): 1 succeeded/);

    // A payload that breaks its typings is reported with event id and field, never run.
    const noHead = await run('no-head.json', 'comments.ts');
    expect(noHead.code).toBe(2);
    expect(noHead.stderr).toMatch(
      /skipped malformed event \[0\] \(event 45999\)\.payload\.head: .*expected string/,
    );
    expect(noHead.stderr + noHead.stdout).not.toContain('Cannot read properties');

    const usage = await runCli(['run', '--handlers', ok.path('handlers.ts')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing --events/);
  });
});

describe('quickcd --help', () => {
  it('lists the subcommands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const name of [
      'run',
      'scheduler',
      'events',
      'retry',
      'skip',
      'logs',
      'runner',
      'config',
    ]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
  });
});
