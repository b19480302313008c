import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { isFromFork } from '../../../runner/prepare-runner.js';
import { makeEvent, pushPayload } from '../../support/fixtures.js';

const pr = (head: unknown) =>
  parseEvent(
    makeEvent('PullRequestEvent', {
      action: 'opened',
      number: 3,
      pull_request: { number: 3, ...(head === undefined ? {} : { head }) },
    }),
  );

describe('isFromFork: fails closed', () => {
  it('is false only when the head is known to be the base repository', () => {
    expect(isFromFork(pr({ ref: 'x', repo: { full_name: 'acme/webapp' } }))).toBe(false);
    expect(isFromFork(pr({ ref: 'x', repo: { full_name: 'Acme/WebApp' } }))).toBe(false);
  });

  it('counts a fork, a deleted fork, a head without full_name or without repo as a fork', () => {
    expect(isFromFork(pr({ ref: 'x', repo: { full_name: 'mallory/webapp' } }))).toBe(true);
    expect(isFromFork(pr({ ref: 'x', repo: null }))).toBe(true);
    expect(isFromFork(pr({ ref: 'x', repo: {} }))).toBe(true);
    expect(isFromFork(pr({ ref: 'x', repo: { full_name: ['acme/webapp'] } }))).toBe(true);
    expect(isFromFork(pr({ ref: 'x' }))).toBe(true);
    expect(isFromFork(pr(undefined))).toBe(true);
  });

  it('counts a comment on a pull request as a fork: its payload does not say where the head is', () => {
    const comment = (issue: Record<string, unknown>) =>
      parseEvent(
        makeEvent('IssueCommentEvent', {
          action: 'created',
          issue: { number: 3, ...issue },
          comment: { id: 1, body: '/deploy', user: { login: 'a' }, author_association: 'OWNER' },
        }),
      );
    expect(isFromFork(comment({ pull_request: { url: 'https://x/pulls/3' } }))).toBe(true);
    expect(isFromFork(comment({}))).toBe(false);
  });

  it('an event without a pull request is not from a fork', () => {
    expect(isFromFork(parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'))))).toBe(
      false,
    );
  });
});
