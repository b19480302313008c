import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubServer, type GitHubTestServer } from '../../support/github-server/index.js';
import { makeEvent, pushPayload, writeFiles } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const SHA = 'feed'.padEnd(40, '0');

const HANDLERS = `
import { on } from 'quickcd';
on('PushEvent', async (payload, ctx) => {
  const log = ctx.commitLogger(payload.head);
  const sh = ctx.loggingShell(log);
  await sh\`echo built \${payload.ref}\`;
  log('Leak attempt', 'token=' + process.env.QUICKCD_GITHUB_TOKEN);
  await ctx.setCommitStatus(payload.head, 'success', 'Deployed', log); // the log: its URL once written
}, { name: 'deploy' });
`;

let github: GitHubTestServer;
beforeAll(async () => {
  github = await startGitHubServer();
});
afterAll(async () => {
  await github.close();
});

describe('quickcd run --github', () => {
  it('posts the log as a commit comment and sets the status, with secrets redacted', async () => {
    const files = writeFiles({
      'handlers.ts': HANDLERS,
      'events.json': JSON.stringify([
        makeEvent('PushEvent', pushPayload('refs/heads/main', SHA), { repo: 'acme/site' }),
      ]),
    });
    const r = await runCli(
      [
        'run',
        '--events',
        files.path('events.json'),
        '--handlers',
        files.path('handlers.ts'),
        '--github',
      ],
      {
        env: {
          QUICKCD_GITHUB_URL: github.url,
          QUICKCD_GITHUB_TOKEN: github.token,
          QUICKCD_CLUSTER_ID: 'prod/eu/one',
          QUICKCD_COMMENT_INTERVAL: '0',
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const [comment, ...more] = github.commitComments('acme/site', SHA);
    expect(more).toHaveLength(0);
    expect(comment!.body).toContain('## prod/eu/one: deploy');
    expect(comment!.body).toContain('built refs/heads/main');
    expect(comment!.body).toContain('token=***');
    expect(comment!.body).not.toContain(github.token);
    expect(r.stdout + r.stderr).not.toContain(github.token);
    const [status] = github.statuses('acme/site', SHA);
    expect(status).toMatchObject({
      state: 'success',
      context: 'prod/eu/one',
      description: 'Deployed',
    });
    expect(status!.target_url).toBe(comment!.html_url);
  });

  const runGitHub = (token: string, repo = 'acme/site') => {
    const files = writeFiles({
      'handlers.ts': HANDLERS,
      'events.json': JSON.stringify([
        makeEvent('PushEvent', pushPayload('refs/heads/main', SHA), { repo }),
      ]),
    });
    return runCli(
      [
        'run',
        '--events',
        files.path('events.json'),
        '--handlers',
        files.path('handlers.ts'),
        '--github',
      ],
      {
        env: {
          QUICKCD_GITHUB_URL: github.url,
          QUICKCD_GITHUB_TOKEN: token,
          QUICKCD_CLUSTER_ID: 'prod/eu/one',
          QUICKCD_COMMENT_INTERVAL: '0',
        },
      },
    );
  };

  it('fails loudly, before any handler runs, when the token is refused (401)', async () => {
    const before = github.commitComments('acme/bad-token').length;
    const r = await runGitHub('ghp_not-the-token', 'acme/bad-token');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/GitHub refused the credentials while reading acme\/bad-token \(401/);
    expect(r.stdout).not.toMatch(/succeeded/);
    expect(github.commitComments('acme/bad-token')).toHaveLength(before);
  });

  it('fails loudly when the credentials may not read the repository (403, not a rate limit)', async () => {
    github.fault({ kind: 'status', status: 403, method: 'GET', path: '/repos/acme/forbidden' });
    const r = await runGitHub(github.token, 'acme/forbidden');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/may not read acme\/forbidden \(403.*Contents: read/);
  });

  it('never fails a handler for a lost write, but the summary counts the lost writes', async () => {
    const fault = { kind: 'status', status: 422, method: 'POST', times: Infinity } as const;
    const comments = github.fault({ ...fault, path: `/repos/acme/lossy/commits/${SHA}/comments` });
    const statuses = github.fault({ ...fault, path: `/repos/acme/lossy/statuses/${SHA}` });
    try {
      const r = await runGitHub(github.token, 'acme/lossy');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/1 succeeded, 0 failed; GitHub writes lost: 1 comment, 1 status/);
    } finally {
      comments.remove();
      statuses.remove();
    }
  });

  it('quickcd runner (a Job, the local executor) counts the lost writes in its summary line', async () => {
    const fault = { kind: 'status', status: 422, method: 'POST', times: Infinity } as const;
    const comments = github.fault({
      ...fault,
      path: `/repos/acme/lossy-runner/commits/${SHA}/comments`,
    });
    const statuses = github.fault({ ...fault, path: `/repos/acme/lossy-runner/statuses/${SHA}` });
    try {
      const files = writeFiles({
        'handlers.ts': HANDLERS,
        'event.json': JSON.stringify(
          makeEvent('PushEvent', pushPayload('refs/heads/main', SHA), {
            repo: 'acme/lossy-runner',
          }),
        ),
      });
      const r = await runCli(
        [
          ...[
            'runner',
            '--event',
            files.path('event.json'),
            '--handlers',
            files.path('handlers.ts'),
          ],
          ...['--result', files.path('result.json'), '--reporter', 'github'],
        ],
        {
          env: {
            QUICKCD_GITHUB_URL: github.url,
            QUICKCD_GITHUB_TOKEN: github.token,
            QUICKCD_COMMENT_INTERVAL: '0',
          },
        },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(
        /INFO runner finished .*lostWrites="GitHub writes lost: 1 comment, 1 status/,
      );
    } finally {
      comments.remove();
      statuses.remove();
    }
  });

  it("quickcd runner writes to GitHub without loading Node's fetch (~0.1 s of CPU a process)", async () => {
    const files = writeFiles({
      'handlers.ts': HANDLERS,
      'event.json': JSON.stringify(
        makeEvent('PushEvent', pushPayload('refs/heads/main', SHA), { repo: 'acme/no-fetch' }),
      ),
      // Loaded into every process (supervisor and runner): what each one loaded, at its exit.
      'probe.mjs': `import { appendFileSync } from 'node:fs';
process.on('exit', () => appendFileSync(process.env.PROBE_FILE, JSON.stringify({
  undici: process.moduleLoadList.filter((m) => m.includes('undici')),
}) + '\\n'));`,
    });
    const r = await runCli(
      [
        ...['runner', '--event', files.path('event.json'), '--handlers', files.path('handlers.ts')],
        ...['--result', files.path('result.json'), '--reporter', 'github'],
      ],
      {
        env: {
          QUICKCD_GITHUB_URL: github.url,
          QUICKCD_GITHUB_TOKEN: github.token,
          QUICKCD_COMMENT_INTERVAL: '0',
          NODE_OPTIONS: `--import ${files.path('probe.mjs')}`,
          PROBE_FILE: files.path('probe.jsonl'),
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(github.commitComments('acme/no-fetch', SHA)).toHaveLength(1);
    expect(github.statuses('acme/no-fetch', SHA)).toHaveLength(1);
    const processes = readFileSync(files.path('probe.jsonl'), 'utf8').trim().split('\n');
    expect(processes.length).toBeGreaterThanOrEqual(2);
    for (const line of processes) expect(JSON.parse(line)).toEqual({ undici: [] });
  });

  it('says which variable is missing when --github has no credentials', async () => {
    const files = writeFiles({ 'handlers.ts': HANDLERS, 'events.json': '[]' });
    const r = await runCli([
      'run',
      '--events',
      files.path('events.json'),
      '--handlers',
      files.path('handlers.ts'),
      '--github',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('QUICKCD_GITHUB_TOKEN');
  });
});
