import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactor } from '../../../common/redact.js';
import { createGitHubReporter } from '../../../runner/github-reporter.js';
import { openBlocksAt, scanBlocks } from '../../../runner/markdown-blocks.js';
import { startGitHubServer } from '../../support/github-server/index.js';
import { captureLog, testClient } from './helpers.js';

type Server = Awaited<ReturnType<typeof startGitHubServer>>;
const SHA = 'c0ffee'.padEnd(40, '0');

const balanced = (text: string) =>
  openBlocksAt(scanBlocks(`${text}\n`), text.length + 1).length === 0;

describe('GitHub reporter against the GitHub API test server', () => {
  let server: Server;
  let repoCount = 0;
  beforeAll(async () => {
    server = await startGitHubServer();
  });
  afterAll(async () => {
    await server.close();
  });

  /** A reporter on a repository of its own, with short intervals and retry delays. */
  function setup(options: { minEditIntervalMs?: number } = {}) {
    const name = `web${++repoCount}`;
    const repo = `acme/${name}`;
    const captured = captureLog();
    const github = testClient(server, captured.log);
    const reporter = createGitHubReporter({
      github,
      repo: { owner: 'acme', name },
      clusterId: 'prod/eu/c1',
      redact: createRedactor([server.token]),
      log: captured.log,
      minEditIntervalMs: options.minEditIntervalMs ?? 50,
      retry: { attempts: 3, delayMs: 20 },
    });
    const writes = (method: string) =>
      server.requests.filter((r) => r.method === method && r.path.startsWith(`/repos/${repo}/`));
    return { repo, reporter, writes, ...captured };
  }

  it('creates the comment at the first section, then edits it, coalescing bursts', async () => {
    const { repo, reporter, writes } = setup({ minEditIntervalMs: 200 });
    const log = reporter.commentLog({ kind: 'commit', sha: SHA }, 'deploy');
    log('Event', '{"ref":"refs/heads/main"}');
    for (let i = 0; i < 30; i++)
      log.details(`✅ <code>step ${i}</code>`, `\`\`\`\n$ step ${i}\nok\n\`\`\``);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 30; i < 60; i++) log.details(`✅ <code>step ${i}</code>`, 'ok');
    await reporter.flush();
    const comments = server.commitComments(repo, SHA);
    expect(comments).toHaveLength(1);
    expect(log.url).toBe(comments[0]?.html_url);
    expect(comments[0]?.body).toMatch(/^## prod\/eu\/c1: deploy\n\n\*\*Event\*\*/);
    expect(comments[0]?.body).toContain('step 59');
    expect(writes('POST')).toHaveLength(1);
    // 61 sections, written in at most 3 edits.
    expect(writes('PATCH').length).toBeGreaterThanOrEqual(1);
    expect(writes('PATCH').length).toBeLessThanOrEqual(3);
  });

  it('comments on pull requests too', async () => {
    const { repo, reporter } = setup();
    const log = reporter.commentLog({ kind: 'pr', number: 12 }, 'preview');
    log('Preview', 'https://preview.example');
    await reporter.flush();
    const comments = server.issueComments(repo, 12);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('## prod/eu/c1: preview');
  });

  it('continues past 65,536 characters in a linked comment, blocks balanced', async () => {
    const { repo, reporter } = setup();
    const log = reporter.commentLog({ kind: 'commit', sha: SHA }, 'build');
    const output = (n: number) =>
      Array.from({ length: 700 }, (_, i) => `step ${n} line ${i} ${'.'.repeat(40)}`).join('\n');
    for (let n = 0; n < 4; n++)
      log.details(`<code>make ${n}</code>`, `\`\`\`\n${output(n)}\n\`\`\``);
    await reporter.flush();
    const comments = server.commitComments(repo, SHA);
    expect(comments.length).toBeGreaterThanOrEqual(2);
    const [first, second] = comments;
    for (const c of comments) {
      expect(c.body.length).toBeLessThanOrEqual(65_536);
      expect(balanced(c.body)).toBe(true);
    }
    expect(first?.body).toContain(`continued in ${second?.html_url}`);
    expect(second?.body).toMatch(/^## prod\/eu\/c1: build \(continued\)/);
    expect(second?.body).toContain(`Continued from ${first?.html_url}`);
    // Every line made it, once.
    const all = comments.map((c) => c.body).join('\n');
    for (let n = 0; n < 4; n++) {
      for (const i of [0, 350, 699]) expect(all.split(`step ${n} line ${i} `).length - 1).toBe(1);
    }
  });

  it('keeps the head and tail of one huge section', async () => {
    const { repo, reporter } = setup();
    const log = reporter.commentLog({ kind: 'commit', sha: SHA }, 'huge');
    const lines = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n');
    log('Output', lines);
    await reporter.flush();
    const comments = server.commitComments(repo, SHA);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toMatch(/characters elided/);
    expect(comments[0]?.body).toContain('line 0\n');
    expect(comments[0]?.body).toContain('line 19999');
    expect(balanced(comments[0]?.body ?? '')).toBe(true);
  });

  it('sets statuses and reads them back, redacting and truncating descriptions', async () => {
    const { repo, reporter } = setup();
    await reporter.setCommitStatus({
      sha: SHA,
      state: 'pending',
      context: 'prod/eu/c1',
      description: 'Deploying',
    });
    await reporter.setCommitStatus({
      sha: SHA,
      state: 'failure',
      context: 'prod/eu/c1',
      description: `token ${server.token} leaked? ${'x'.repeat(300)}`,
      targetUrl: 'https://github.example/acme/web/commit/1#comment',
    });
    await reporter.setCommitStatus({ sha: SHA, state: 'success', context: 'other' });
    const status = await reporter.getCommitStatus(SHA, 'prod/eu/c1');
    expect(status?.state).toBe('failure');
    expect(status?.targetUrl).toBe('https://github.example/acme/web/commit/1#comment');
    expect(status?.description).toMatch(/^token \*\*\* leaked\? x+…$/);
    expect([...(status?.description ?? '')]).toHaveLength(140);
    expect((await reporter.getCommitStatus(SHA, 'other'))?.state).toBe('success');
    expect(await reporter.getCommitStatus(SHA, 'nope')).toBeUndefined();
    expect(JSON.stringify(server.statuses(repo, SHA))).not.toContain(server.token);
  });

  it('never sends the token in a comment', async () => {
    const { repo, reporter } = setup();
    const log = reporter.commentLog({ kind: 'commit', sha: SHA }, 'deploy');
    log(
      'Command failed',
      `fatal: could not read from https://x-access-token:${server.token}@github.com`,
    );
    log.markdown(`raw ${server.token}`);
    await reporter.flush();
    const body = server.commitComments(repo, SHA)[0]?.body ?? '';
    expect(body).not.toContain(server.token);
    expect(body).toContain('x-access-token:***@github.com');
  });

  it('delivers the final state after a 502 and a secondary rate limit', async () => {
    const { repo, reporter, warnings } = setup();
    const log = reporter.commentLog({ kind: 'commit', sha: SHA }, 'deploy');
    server.fault({
      method: 'POST',
      path: `/repos/${repo}/commits/${SHA}/comments`,
      times: 1,
      kind: 'status',
      status: 502,
    });
    log('one');
    await log.flush();
    server.fault({ method: 'PATCH', times: 1, kind: 'secondary-rate-limit', retryAfter: 1 });
    log('two');
    log('three');
    await reporter.flush();
    const comments = server.commitComments(repo, SHA);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toBe('## prod/eu/c1: deploy\n\n**one**\n\n**two**\n\n**three**');
    expect(warnings().some((w) => String(w.msg).includes('secondary rate limit'))).toBe(true);
  });

  it('outlasts more failures than Octokit retries', async () => {
    const { repo, reporter, warnings } = setup();
    server.fault({
      method: 'POST',
      path: `/repos/${repo}/commits/${SHA}/comments`,
      times: 5,
      kind: 'status',
      status: 500,
    });
    const log = reporter.commentLog({ kind: 'commit', sha: SHA }, 'deploy');
    log('one');
    await reporter.flush();
    expect(server.commitComments(repo, SHA)).toHaveLength(1);
    expect(warnings().some((w) => String(w.msg).includes('retrying'))).toBe(true);
  });

  it('never rejects when GitHub is down, and goes on once it is back', async () => {
    const { repo, reporter, lines } = setup();
    server.fault({ path: `/repos/${repo}/`, times: Infinity, kind: 'status', status: 503 });
    const log = reporter.commentLog({ kind: 'commit', sha: SHA }, 'deploy');
    log('one');
    await expect(reporter.flush()).resolves.toBeUndefined();
    await expect(
      reporter.setCommitStatus({ sha: SHA, state: 'success', context: 'prod/eu/c1' }),
    ).resolves.toBeUndefined();
    expect(lines.filter((l) => l.level === 50).length).toBeGreaterThanOrEqual(2);
    expect(server.commitComments(repo, SHA)).toHaveLength(0);
    server.clearFaults();
    log('two');
    await reporter.flush();
    expect(server.commitComments(repo, SHA)[0]?.body).toContain('**two**');
  });
});
