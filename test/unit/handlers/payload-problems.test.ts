import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { payloadProblems } from '../../../handlers/payload-problems.js';
import {
  commitCommentPayload,
  issueCommentPayload,
  makeEvent,
  pushPayload,
} from '../../support/fixtures.js';

const examples = JSON.parse(
  readFileSync(new URL('../../../handlers/examples/events.json', import.meta.url), 'utf8'),
) as unknown[];
const recorded = JSON.parse(
  readFileSync(new URL('../../fixtures/github/events-page.json', import.meta.url), 'utf8'),
) as unknown[];

describe('payloadProblems', () => {
  it('accepts the recorded Events API payloads and the examples', () => {
    for (const raw of [...recorded, ...examples]) {
      const event = parseEvent(raw);
      expect(payloadProblems(event), `${event.type} ${event.id}`).toEqual([]);
    }
    expect(payloadProblems({ type: 'PushEvent', payload: pushPayload('refs/heads/main') })).toEqual(
      [],
    );
    expect(
      payloadProblems({ type: 'IssueCommentEvent', payload: issueCommentPayload('hi') }),
    ).toEqual([]);
    expect(
      payloadProblems({ type: 'CommitCommentEvent', payload: commitCommentPayload('hi') }),
    ).toEqual([]);
  });

  it('names each field that breaks the typings: a PushEvent needs string ref, head and before', () => {
    const { head: _head, ...noHead } = pushPayload('refs/heads/main');
    expect(payloadProblems({ type: 'PushEvent', payload: noHead })).toEqual([
      expect.stringMatching(/^payload\.head: .*expected string, received undefined/),
    ]);
    expect(
      payloadProblems({ type: 'PushEvent', payload: { ...noHead, ref: 7, before: null } }),
    ).toEqual([
      expect.stringMatching(/^payload\.ref: /),
      expect.stringMatching(/^payload\.head: /),
      expect.stringMatching(/^payload\.before: /),
    ]);
    const pr = { action: 'opened', number: 3, pull_request: { number: 3, head: { ref: 'x' } } };
    expect(payloadProblems({ type: 'PullRequestEvent', payload: pr })).toContain(
      'payload.pull_request.head.sha: Invalid input: expected string, received undefined',
    );
    expect(
      payloadProblems({
        type: 'IssueCommentEvent',
        payload: { ...issueCommentPayload('hi'), comment: { body: 'hi' } },
      }).join('\n'),
    ).toMatch(/payload\.comment\.author_association/);
  });

  it('checks the eight typed payloads and lets other types through', () => {
    for (const type of [
      'PushEvent',
      'PullRequestEvent',
      'IssueCommentEvent',
      'CommitCommentEvent',
      'CreateEvent',
      'DeleteEvent',
      'ReleaseEvent',
      'IssuesEvent',
    ]) {
      expect(payloadProblems({ type, payload: {} }).length, type).toBeGreaterThan(0);
    }
    expect(payloadProblems({ type: 'WatchEvent', payload: {} })).toEqual([]);
    expect(parseEvent(makeEvent('WatchEvent', { action: 'started' })).type).toBe('WatchEvent');
  });
});
