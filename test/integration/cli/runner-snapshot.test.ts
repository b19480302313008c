import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { REPO_ROOT, runCli } from '../../support/run-cli.js';

// The runner child starts from the V8 startup snapshot `npm run build` made
// (cli/runner-snapshot.ts): its modules come loaded, and everything of the run is read at run
// time. Every other test that runs `quickcd runner` runs it this way too.
const BLOB = join(REPO_ROOT, 'dist/bundle/runner.blob');

const REPORT = `import { on } from 'quickcd';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
on('PushEvent', async (payload, ctx) => {
  writeFileSync(process.env.OUT_FILE!, JSON.stringify({
    execArgv: process.execArgv,
    argv: process.argv.slice(2),
    seen: process.env.SEEN,
    cwd: process.cwd(),
    random: Math.random(),
    uuid: randomUUID(),
    ref: payload.ref,
    out: await ctx.sh\`echo from the shell\`,
  }));
}, { name: 'report' });
`;

async function runReporting(env: Record<string, string> = {}, ref = 'refs/heads/main') {
  const f = writeFiles({
    'handlers.ts': REPORT,
    'event.json': JSON.stringify(makeEvent('PushEvent', pushPayload(ref))),
  });
  const args = ['runner', '--event', f.path('event.json'), '--handlers', f.path('handlers.ts')];
  const r = await runCli([...args, '--reporter', 'console'], {
    env: { OUT_FILE: f.path('out.json'), ...env },
    cwd: f.dir,
  });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/Warning/);
  return JSON.parse(readFileSync(f.path('out.json'), 'utf8')) as Record<string, unknown>;
}

describe('quickcd runner from its startup snapshot', () => {
  it('the child starts from the snapshot and sees this run: its environment, arguments and event', async () => {
    const meta = JSON.parse(readFileSync(`${BLOB}.json`, 'utf8')) as { node: string };
    expect(meta.node, 'npm run build made the snapshot with this Node.js').toBe(process.version);
    const one = await runReporting({ SEEN: 'first' }, 'refs/heads/main');
    const two = await runReporting({ SEEN: 'second' }, 'refs/heads/release');
    expect(one.execArgv).toEqual(['--snapshot-blob', BLOB]);
    expect(one).toMatchObject({ seen: 'first', ref: 'refs/heads/main', out: 'from the shell' });
    expect(two).toMatchObject({ seen: 'second', ref: 'refs/heads/release' });
    expect(one.argv).toEqual(expect.arrayContaining(['runner', '--handlers']));
    // Nothing random is replayed from the snapshot.
    expect(one.random).not.toBe(two.random);
    expect(one.uuid).not.toBe(two.uuid);
    expect(one.cwd).not.toBe(two.cwd);
  });

  it('quickcd run (local mode) runs its handlers in a child from the snapshot too', async () => {
    const f = writeFiles({
      'handlers.ts': REPORT,
      'events.json': JSON.stringify([makeEvent('PushEvent', pushPayload('refs/heads/dev'))]),
    });
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', f.path('handlers.ts')],
      {
        env: { OUT_FILE: f.path('out.json'), SEEN: 'local' },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(readFileSync(f.path('out.json'), 'utf8'))).toMatchObject({
      execArgv: ['--snapshot-blob', BLOB],
      seen: 'local',
      ref: 'refs/heads/dev',
    });
  });

  it('with V8 options in NODE_OPTIONS (which the snapshot would refuse), or turned off, the child loads its modules', async () => {
    const run = await runReporting({ SEEN: 'plain', NODE_OPTIONS: '--max-old-space-size=300' });
    expect(run.execArgv).toEqual([]);
    expect(run).toMatchObject({ seen: 'plain', out: 'from the shell' });
    const off = await runReporting({ SEEN: 'off', QUICKCD_RUNNER_SNAPSHOT: 'off' });
    expect(off).toMatchObject({ execArgv: [], seen: 'off' });
  });
});
