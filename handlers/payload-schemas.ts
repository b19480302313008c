import * as z from 'zod';
import { AUTHOR_ASSOCIATIONS, type AuthorAssociation } from '../common/author-associations.js';
import type { EventPayloads, KnownEventType } from './payloads.js';

/**
 * zod schemas of the typed payloads (`payloads.ts`): each checks exactly the fields the
 * typings promise, so a handler never meets `undefined` where its types say `string`. Unknown
 * fields pass through. A type test keeps each schema's output assignable to its interface.
 */
const user = z.looseObject({ login: z.string(), id: z.number() });

const authorAssociation = z.enum(
  AUTHOR_ASSOCIATIONS as [AuthorAssociation, ...AuthorAssociation[]],
);

const comment = z.looseObject({
  id: z.number(),
  body: z.string(),
  user,
  html_url: z.string(),
  author_association: authorAssociation,
  created_at: z.string(),
});

const gitRef = z.looseObject({
  ref: z.string(),
  sha: z.string(),
  label: z.string().exactOptional(),
  repo: z
    .looseObject({
      id: z.number().exactOptional(),
      name: z.string().exactOptional(),
      full_name: z.string().exactOptional(),
      fork: z.boolean().exactOptional(),
    })
    .nullable()
    .exactOptional(),
});

const issue = z.looseObject({
  number: z.number(),
  title: z.string(),
  state: z.string(),
  user,
  html_url: z.string(),
  pull_request: z.looseObject({ url: z.string(), html_url: z.string() }).exactOptional(),
});

export const payloadSchemas = {
  PushEvent: z.looseObject({
    ref: z.string(),
    head: z.string(),
    before: z.string(),
    push_id: z.number(),
    repository_id: z.number(),
    size: z.number().exactOptional(),
    distinct_size: z.number().exactOptional(),
    commits: z
      .array(
        z.looseObject({
          sha: z.string(),
          message: z.string(),
          author: z.looseObject({ name: z.string(), email: z.string() }),
          distinct: z.boolean(),
        }),
      )
      .exactOptional(),
  }),
  PullRequestEvent: z.looseObject({
    action: z.string(),
    number: z.number(),
    pull_request: z.looseObject({
      number: z.number(),
      title: z.string(),
      state: z.enum(['open', 'closed']),
      html_url: z.string(),
      user,
      head: gitRef,
      base: gitRef,
      merged: z.boolean().exactOptional(),
      draft: z.boolean().exactOptional(),
    }),
  }),
  IssueCommentEvent: z.looseObject({
    action: z.enum(['created', 'edited', 'deleted']),
    issue,
    comment,
  }),
  CommitCommentEvent: z.looseObject({
    action: z.literal('created').exactOptional(),
    comment: comment.extend({ commit_id: z.string(), path: z.string().nullable().exactOptional() }),
  }),
  CreateEvent: z.looseObject({
    ref: z.string().nullable(),
    ref_type: z.enum(['repository', 'branch', 'tag']),
    master_branch: z.string(),
    description: z.string().nullable(),
    pusher_type: z.string(),
  }),
  DeleteEvent: z.looseObject({
    ref: z.string(),
    ref_type: z.enum(['branch', 'tag']),
    pusher_type: z.string(),
  }),
  ReleaseEvent: z.looseObject({
    action: z.string(),
    release: z.looseObject({
      id: z.number(),
      tag_name: z.string(),
      target_commitish: z.string(),
      name: z.string().nullable(),
      draft: z.boolean(),
      prerelease: z.boolean(),
      html_url: z.string(),
    }),
  }),
  IssuesEvent: z.looseObject({ action: z.string(), issue }),
} satisfies Record<KnownEventType, z.ZodType>;

/** Compile-time: every schema's output is what the typings promise. */
export type PayloadSchemaOutputs = {
  [K in KnownEventType]: z.output<(typeof payloadSchemas)[K]> extends EventPayloads[K]
    ? true
    : never;
};
