/**
 * The handlers file of a chaos run: a blocking `deploy` and a non-blocking `notify` for every
 * PushEvent. Each reports its start and completion to the journal server (with its pid, so the
 * runner killer can SIGKILL it mid-handler, and its run directory under the local executor),
 * holds for a moment, and writes the known secrets where a leak would show: its log, a commit
 * comment and a commit status. quickcd must redact them all.
 */
export function chaosHandlers(journalUrl: string, holdMs: number): string {
  return `import { basename, dirname } from 'node:path';
import { on } from 'quickcd';

const JOURNAL = ${JSON.stringify(journalUrl)};
const at = process.argv.indexOf('--result');
const run = at > 0 && !process.argv[at + 1].startsWith('/dev/') ? basename(dirname(process.argv[at + 1])) : undefined;
const secrets = () => [process.env.CHAOS_SECRET, process.env.QUICKCD_GITHUB_TOKEN, process.env.GITHUB_TOKEN].filter(Boolean).join(' ');

async function journal(phase, ctx, handler, lane) {
  const entry = { phase, repo: ctx.event.repo.name, event: ctx.event.id, handler, lane, pid: process.pid, ppid: process.ppid, run };
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(JOURNAL, { method: 'POST', body: JSON.stringify(entry) });
      if (r.ok) return;
    } catch (error) {
      if (i >= 20) throw error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

on('PushEvent', async (p, ctx) => {
  await journal('start', ctx, 'deploy', 'blocking');
  console.log('deploying with ' + secrets());
  const log = ctx.commitLogger(p.head);
  log('Deploy', 'event ' + ctx.event.id + ' with ' + secrets());
  await new Promise((r) => setTimeout(r, ${holdMs}));
  await ctx.setCommitStatus(p.head, 'success', 'deployed ' + ctx.event.id + ' ' + (process.env.CHAOS_SECRET ?? ''));
  await journal('done', ctx, 'deploy', 'blocking');
}, { name: 'deploy' });

on('PushEvent', async (_p, ctx) => {
  await journal('start', ctx, 'notify', 'nonblocking');
  console.log('notifying with ' + secrets());
  await new Promise((r) => setTimeout(r, ${holdMs}));
  await journal('done', ctx, 'notify', 'nonblocking');
}, { name: 'notify', blocking: false });
`;
}
