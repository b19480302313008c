import { describe, expect, it } from 'vitest';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

/** The comments `quickcd run` prints, each body between its ┌─ and └─ lines. */
function printedComments(stdout: string): { title: string; body: string }[] {
  return [...stdout.matchAll(/^┌─ (.*)\n([\s\S]*?)\n└─$/gm)].map((m) => ({
    title: m[1] ?? '',
    body: m[2] ?? '',
  }));
}

describe('quickcd run prints comments as they would be posted', () => {
  it('splits a long log into comments within GitHub’s limit and elides a huge line', async () => {
    const f = writeFiles({
      'handlers.ts': `import { on } from 'quickcd';
on('PushEvent', async (p, ctx) => {
  const log = ctx.commitLogger(p.head);
  for (let i = 0; i < 3; i++) log('Part ' + i, ('part ' + i + ' line\\n').repeat(3_000));
  log('Minified', 'HEAD' + 'x'.repeat(70_000) + 'TAIL');
}, { name: 'chatty' });`,
      'events.json': JSON.stringify([
        makeEvent('PushEvent', pushPayload('refs/heads/main', 'c'.repeat(40))),
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
    const comments = printedComments(r.stdout);
    const n = comments.length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(comments.map((c) => c.title)).toEqual(
      comments.map((_, i) => `comment ${i + 1} of ${n} on commit cccccccccccc`),
    );
    for (const c of comments) expect(c.body.length).toBeLessThanOrEqual(65_536);
    expect(comments[0]?.body).toMatch(/^## quickcd: chatty\n\n\*\*Part 0\*\*/);
    expect(comments[0]?.body).toMatch(new RegExp(`\\*… continued in comment 2 of ${n}\\*$`));
    expect(comments[1]?.body).toMatch(
      new RegExp(`^## quickcd: chatty \\(continued\\)\\n\\n\\*Continued from comment 1 of ${n}\\*`),
    );
    const last = comments[n - 1]?.body ?? '';
    expect(last).toMatch(/HEADx{1000,}/);
    expect(last).toMatch(/x{1000,}TAIL\n```$/);
    expect(last).toContain('characters elided');
    // Never the raw, unbounded log.
    expect(r.stdout).not.toContain('x'.repeat(70_000));
  });
});
