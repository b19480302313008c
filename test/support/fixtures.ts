import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory outside the repository (no node_modules anywhere above it). */
export function tempDir(prefix = 'quickcd-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes files into a fresh temp dir; returns the dir and each file's path. */
export function writeFiles(files: Record<string, string>): {
  dir: string;
  path: (name: string) => string;
} {
  const dir = tempDir();
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return { dir, path: (name) => join(dir, name) };
}

let nextId = 45_000_000_000n;

/** An Events API event with realistic defaults. */
export function makeEvent(
  type: string,
  payload: Record<string, unknown>,
  overrides: { id?: string; repo?: string; login?: string } = {},
): Record<string, unknown> {
  const id = overrides.id ?? String(++nextId);
  const repo = overrides.repo ?? 'acme/webapp';
  const login = overrides.login ?? 'mona';
  return {
    id,
    type,
    actor: {
      id: 583231,
      login,
      display_login: login,
      gravatar_id: '',
      url: `https://api.github.com/users/${login}`,
    },
    repo: { id: 812345678, name: repo, url: `https://api.github.com/repos/${repo}` },
    payload,
    public: false,
    created_at: '2026-11-20T09:00:00Z',
  };
}

export function pushPayload(ref: string, head = 'a'.repeat(40)): Record<string, unknown> {
  return { repository_id: 812345678, push_id: 25012345601, ref, head, before: '0'.repeat(40) };
}

/** A realistic `IssueCommentEvent` payload (Events API shape). */
export function issueCommentPayload(
  body: string,
  options: { association?: string; login?: string; issue?: number; action?: string } = {},
): Record<string, unknown> {
  const number = options.issue ?? 7;
  const login = options.login ?? 'mona';
  return {
    action: options.action ?? 'created',
    issue: {
      number,
      title: 'Deploy to production',
      state: 'open',
      user: { login: 'octocat', id: 1 },
      html_url: `https://github.com/acme/webapp/issues/${number}`,
    },
    comment: {
      id: 1_900_000_000 + number,
      body,
      user: { login, id: 583231 },
      html_url: `https://github.com/acme/webapp/issues/${number}#issuecomment-1`,
      author_association: options.association ?? 'OWNER',
      created_at: '2026-11-20T09:00:00Z',
    },
  };
}

/** A realistic `CommitCommentEvent` payload (Events API shape). */
export function commitCommentPayload(
  body: string,
  options: { association?: string; login?: string; sha?: string } = {},
): Record<string, unknown> {
  const sha = options.sha ?? 'c'.repeat(40);
  return {
    action: 'created',
    comment: {
      id: 150_000_001,
      body,
      commit_id: sha,
      path: null,
      user: { login: options.login ?? 'mona', id: 583231 },
      html_url: `https://github.com/acme/webapp/commit/${sha}#commitcomment-150000001`,
      author_association: options.association ?? 'OWNER',
      created_at: '2026-11-20T09:00:00Z',
    },
  };
}
