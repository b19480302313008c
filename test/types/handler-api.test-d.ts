import { describe, expectTypeOf, it } from 'vitest';
import { on, type CommentLog, type GitHubEvent, type Shell } from 'quickcd';
import type { PayloadSchemaOutputs } from '../../handlers/payload-schemas.js';
import type { KnownEventType } from '../../handlers/payloads.js';

describe('payload schemas', () => {
  it('check exactly what the payload typings promise', () => {
    expectTypeOf<PayloadSchemaOutputs>().toEqualTypeOf<{ [K in KnownEventType]: true }>();
  });
});

describe('handler API types', () => {
  it('types payloads by event type', () => {
    on('PushEvent', (payload, ctx) => {
      expectTypeOf(payload.head).toEqualTypeOf<string>();
      expectTypeOf(payload.ref).toEqualTypeOf<string>();
      expectTypeOf(ctx.event).toEqualTypeOf<GitHubEvent<'PushEvent'>>();
      expectTypeOf(ctx.sh).toEqualTypeOf<Shell>();
      expectTypeOf(ctx.commitLogger(payload.head)).toEqualTypeOf<CommentLog>();
    });
    on('PullRequestEvent', (payload) => {
      expectTypeOf(payload.pull_request.head.sha).toEqualTypeOf<string>();
      expectTypeOf(payload.number).toEqualTypeOf<number>();
    });
    on('IssueCommentEvent', (payload) => {
      expectTypeOf(payload.comment.author_association).toEqualTypeOf<
        | 'OWNER'
        | 'MEMBER'
        | 'COLLABORATOR'
        | 'CONTRIBUTOR'
        | 'FIRST_TIME_CONTRIBUTOR'
        | 'FIRST_TIMER'
        | 'MANNEQUIN'
        | 'NONE'
      >();
    });
  });

  it('gives unknown event types a generic payload', () => {
    on('WatchEvent', (payload) => {
      expectTypeOf(payload).toEqualTypeOf<Readonly<Record<string, unknown>>>();
    });
  });

  it('types filter payloads and rejects unknown fields and bad options', () => {
    on('PushEvent', () => {}, {
      filter: (p) => p.ref === 'refs/heads/main',
      blocking: false,
      timeoutSeconds: 60,
    });
    // @ts-expect-error: a PushEvent payload has no pull_request
    on('PushEvent', () => {}, { filter: (p) => p.pull_request !== undefined });
    // @ts-expect-error: blocking is a boolean
    on('PushEvent', () => {}, { blocking: 'yes' });
  });

  it('shell: a tagged template or a string, both resolve to stdout', () => {
    on('PushEvent', async (p, ctx) => {
      expectTypeOf(ctx.sh`git checkout ${p.head}`).toEqualTypeOf<Promise<string>>();
      expectTypeOf(ctx.sh('ls', { timeoutSeconds: 5 })).toEqualTypeOf<Promise<string>>();
      expectTypeOf<Parameters<typeof ctx.setCommitStatus>[1]>().toEqualTypeOf<
        'error' | 'failure' | 'pending' | 'success'
      >();
    });
  });
});
