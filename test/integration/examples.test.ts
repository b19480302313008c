import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeEvent, pushPayload, tempDir, writeFiles } from '../support/fixtures.js';
import { REPO_ROOT, runCli } from '../support/run-cli.js';

const example = (name: string) => join(REPO_ROOT, 'handlers/examples', name);

/** A local git repository with one commit: the pipeline clones it instead of GitHub. */
function localRepo(): { dir: string; sha: string } {
  const dir = tempDir('quickcd-repo-');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    })
      .toString()
      .trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'app.txt'), 'v1\n');
  git('add', '.');
  git('commit', '-q', '-m', 'Ship the health endpoint');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

describe('handlers/examples', () => {
  it('pipeline.ts deploys pushes to main (clone, checkout, status) and ignores other branches', async () => {
    const repo = localRepo();
    const f = writeFiles({
      'events.json': JSON.stringify([
        makeEvent('PushEvent', pushPayload('refs/heads/main', repo.sha)),
        makeEvent('PushEvent', pushPayload('refs/heads/feature', repo.sha)),
      ]),
    });
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', example('pipeline.ts')],
      {
        env: { PIPELINE_SOURCE: repo.dir },
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✅ <code>git clone --quiet \S+ \.<\/code>/);
    expect(r.stdout).toContain(`${repo.sha.slice(0, 7)} Ship the health endpoint`);
    expect(r.stdout).toMatch(/status pending .*Deploying/);
    expect(r.stdout).toMatch(/status success .*Deployed/);
    expect(r.stdout.match(/▶ deploy/g)).toHaveLength(1);
  });

  it('pipeline.ts fails and says why when the commit does not exist', async () => {
    const repo = localRepo();
    const f = writeFiles({
      'events.json': JSON.stringify([
        makeEvent('PushEvent', pushPayload('refs/heads/main', 'f'.repeat(40))),
      ]),
    });
    const r = await runCli(
      ['run', '--events', f.path('events.json'), '--handlers', example('pipeline.ts')],
      {
        env: { PIPELINE_SOURCE: repo.dir },
      },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /❌ <code>git -c advice.detachedHead=false checkout --quiet f{40}<\/code> \(exit code 128\)/,
    );
  });

  it('the shipped events run end to end (npm start)', async () => {
    const events = JSON.parse(readFileSync(example('events.json'), 'utf8')) as { type: string }[];
    expect(new Set(events.map((e) => e.type))).toEqual(
      new Set([
        'PushEvent',
        'CreateEvent',
        'PullRequestEvent',
        'CommitCommentEvent',
        'IssueCommentEvent',
        'WatchEvent',
        'ReleaseEvent',
      ]),
    );
    const r = await runCli(
      ['run', '--events', example('events.json'), '--handlers', example('pipeline.ts')],
      {
        env: { PIPELINE_SOURCE: REPO_ROOT },
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Pull request from fork hubot/webapp');
    expect(r.stdout).toMatch(/3 handler run\(s\): 3 succeeded, 0 failed/);
  });

  it('the README quick start exits 0 on a fresh clone with no network', async () => {
    // Exactly the README's command; git may not reach anything but local files.
    const r = await runCli(
      [
        'run',
        '--events',
        'handlers/examples/events.json',
        '--handlers',
        'handlers/examples/pipeline.ts',
      ],
      { env: { GIT_ALLOW_PROTOCOL: 'file', GIT_TERMINAL_PROMPT: '0' } },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 handler run\(s\): 3 succeeded, 0 failed/);
    expect(r.stdout).toContain('Dry run');
    expect(r.stdout).not.toContain('git clone');
    expect(r.stderr).toBe('');
  });

  it('chat-ops.ts obeys members, ignores others, and fails unknown commands', async () => {
    const comment = (body: string, association: string) => ({
      action: 'created',
      comment: {
        id: 1,
        body,
        commit_id: 'c'.repeat(40),
        user: { login: 'someone', id: 3 },
        html_url: 'https://github.com/acme/webapp/commit/c#commitcomment-1',
        author_association: association,
        created_at: '2026-11-20T09:00:00Z',
      },
    });
    const f = writeFiles({
      'ok.json': JSON.stringify([
        makeEvent('CommitCommentEvent', comment('/quickcd echo hello there', 'MEMBER')),
      ]),
      'stranger.json': JSON.stringify([
        makeEvent('CommitCommentEvent', comment('/quickcd echo hi', 'NONE')),
      ]),
      'unknown.json': JSON.stringify([
        makeEvent('CommitCommentEvent', comment('/quickcd frobnicate', 'OWNER')),
      ]),
      'chatter.json': JSON.stringify([
        makeEvent('CommitCommentEvent', comment('looks good to me', 'OWNER')),
      ]),
    });
    const run = (file: string) =>
      runCli(['run', '--events', f.path(file), '--handlers', example('chat-ops.ts')]);
    const ok = await run('ok.json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/✅ <code>echo hello there<\/code>/);
    const stranger = await run('stranger.json');
    expect(stranger.code).toBe(0);
    expect(stranger.stdout).toContain('@someone may not run quickcd commands (NONE)');
    expect(stranger.stdout).not.toContain('<code>echo');
    const unknown = await run('unknown.json');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('"frobnicate": try /quickcd help');
    const chatter = await run('chatter.json');
    expect(chatter.stdout).toMatch(/0 handler run\(s\)/);
  });
});
