import { addEvent } from './add-event.js';
import { timestamp } from './http-util.js';
import { pullObject } from './pulls-routes.js';
import { findRepo, serverNow, type PullRequestState, type ServerState } from './state.js';
import type { GitHubEvent } from './types.js';

const ZERO = '0'.repeat(40);
let pushIds = 21_000_000_000;

function repoOf(state: ServerState, name: string) {
  const repo = findRepo(state, name, true);
  if (!repo) throw new Error(`repository ${name} could not be created`);
  return repo;
}

function checkSha(sha: string): string {
  if (!/^[0-9a-f]{40}$/.test(sha))
    throw new TypeError(`sha: expected 40 lowercase hex digits, got ${JSON.stringify(sha)}`);
  return sha;
}

const fullRef = (ref: string) => (ref.startsWith('refs/') ? ref : `refs/heads/${ref}`);
const short = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, '');
const refType = (ref: string) => (ref.startsWith('refs/tags/') ? 'tag' : 'branch');

export interface PushOptions {
  /** `refs/heads/main`, `refs/tags/v1`, or a branch name. */
  ref: string;
  head: string;
  login?: string;
  /** Default true: the change also appears in the Events API (after its latency). */
  event?: boolean;
}

/**
 * What a `git push` does on GitHub: moves (or creates) the ref, and records a `PushEvent`
 * (with a `CreateEvent` first when the ref is new) in the Events API. Returns the events.
 */
export function pushRef(state: ServerState, name: string, options: PushOptions): GitHubEvent[] {
  const repo = repoOf(state, name);
  const ref = fullRef(options.ref);
  const head = checkSha(options.head);
  const before = repo.refs.get(ref) ?? ZERO;
  repo.refs.set(ref, head);
  if (options.event === false) return [];
  const actor = { login: options.login ?? repo.owner };
  const events: GitHubEvent[] = [];
  if (before === ZERO) {
    events.push(
      addEvent(state, name, {
        type: 'CreateEvent',
        actor,
        payload: {
          ref: short(ref),
          ref_type: refType(ref),
          master_branch: 'main',
          description: null,
          pusher_type: 'user',
        },
      }),
    );
  }
  events.push(
    addEvent(state, name, {
      type: 'PushEvent',
      actor,
      payload: { repository_id: repo.id, push_id: ++pushIds, ref, head, before },
    }),
  );
  return events;
}

/** Deletes a ref and records a `DeleteEvent`; false when there was no such ref. */
export function deleteRef(state: ServerState, name: string, ref: string, login?: string): boolean {
  const repo = repoOf(state, name);
  const full = fullRef(ref);
  if (!repo.refs.delete(full)) return false;
  addEvent(state, name, {
    type: 'DeleteEvent',
    actor: { login: login ?? repo.owner },
    payload: { ref: short(full), ref_type: refType(full), pusher_type: 'user' },
  });
  return true;
}

export interface PullRequestChange {
  /** A new head (`synchronize`). */
  head?: string;
  /** `closed`, `reopened`, or `merged` (closed and merged). */
  action?: 'closed' | 'reopened' | 'merged';
  login?: string;
}

/** Opens a pull request from `head` (sha) on branch `headRef`; records `PullRequestEvent` opened. */
export function openPullRequest(
  state: ServerState,
  name: string,
  options: { head: string; headRef?: string; base?: string; title?: string; login?: string },
): PullRequestState {
  const repo = repoOf(state, name);
  const number = Math.max(0, ...repo.pulls.keys()) + 1;
  const now = timestamp(new Date(serverNow(state)));
  const pr: PullRequestState = {
    number,
    title: options.title ?? `Change ${number}`,
    state: 'open',
    merged: false,
    head: { ref: options.headRef ?? `feature-${number}`, sha: checkSha(options.head) },
    base: { ref: options.base ?? 'main', sha: repo.refs.get('refs/heads/main') ?? ZERO },
    login: options.login ?? repo.owner,
    created_at: now,
    updated_at: now,
    closed_at: null,
    merged_at: null,
  };
  repo.pulls.set(number, pr);
  recordPull(state, name, pr, 'opened', pr.login);
  return structuredClone(pr);
}

/** Changes a pull request as GitHub would and records the matching `PullRequestEvent`. */
export function changePullRequest(
  state: ServerState,
  name: string,
  number: number,
  change: PullRequestChange,
): PullRequestState {
  const repo = repoOf(state, name);
  const pr = repo.pulls.get(number);
  if (!pr) throw new Error(`pull request ${name}#${number} does not exist`);
  const now = timestamp(new Date(serverNow(state)));
  pr.updated_at = now;
  const login = change.login ?? pr.login;
  if (change.head !== undefined) {
    pr.head.sha = checkSha(change.head);
    recordPull(state, name, pr, 'synchronize', login);
  }
  if (change.action === 'closed' || change.action === 'merged') {
    pr.state = 'closed';
    pr.closed_at = now;
    if (change.action === 'merged') {
      pr.merged = true;
      pr.merged_at = now;
    }
    recordPull(state, name, pr, 'closed', login);
  } else if (change.action === 'reopened') {
    pr.state = 'open';
    pr.closed_at = null;
    recordPull(state, name, pr, 'reopened', login);
  }
  return structuredClone(pr);
}

function recordPull(
  state: ServerState,
  name: string,
  pr: PullRequestState,
  action: string,
  login: string,
): void {
  const repo = repoOf(state, name);
  addEvent(state, name, {
    type: 'PullRequestEvent',
    actor: { login },
    payload: { action, number: pr.number, pull_request: pullObject(state, repo, pr) },
  });
}
