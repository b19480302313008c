import type { Caller } from './auth.js';
import {
  invalidRequest,
  objectBody,
  timestamp,
  validationFailed,
  type RouteResponse,
} from './http-util.js';
import { authorAssociation, makeUser, type RepoState, type ServerState } from './state.js';
import type { Comment } from './types.js';

/** GitHub's limit on a comment body, counted here as JavaScript string length (UTF-16 units). */
export const MAX_COMMENT_BODY = 65_536;

/**
 * The `body` of a comment request, or GitHub's 422: missing or not a string (schema error),
 * blank, or longer than 65,536 characters (`Validation Failed`, resource `CommitComment` or
 * `IssueComment`).
 */
export function commentBody(
  body: unknown,
  resource: 'CommitComment' | 'IssueComment',
): string | RouteResponse {
  const value = objectBody(body)?.body;
  if (value === undefined) return invalidRequest('"body" wasn\'t supplied.');
  if (typeof value !== 'string')
    return invalidRequest(`For 'properties/body', ${JSON.stringify(value)} is not a string.`);
  if (value.trim() === '')
    return validationFailed(resource, 'body', "body can't be blank", 'missing_field');
  if (value.length > MAX_COMMENT_BODY)
    return validationFailed(
      resource,
      'body',
      `body is too long (maximum is ${MAX_COMMENT_BODY} characters)`,
    );
  return value;
}

/** The login a write is attributed to (routes with `user` access only see these callers). */
export function callerLogin(caller: Caller): string {
  return caller.kind === 'user' || caller.kind === 'installation' ? caller.login : 'ghost';
}

/** The fields every new comment has; `url`/`html_url` are the caller's to fill in. */
export function newComment(
  state: ServerState,
  repo: RepoState,
  caller: Caller,
  body: string,
  prefix: 'CC' | 'IC',
): Comment {
  const id = ++state.lastCommentId;
  const login = callerLogin(caller);
  const now = timestamp();
  return {
    id,
    node_id: `${prefix}_kwDO${Buffer.from(`${repo.id}:${id}`).toString('base64url')}`,
    url: '',
    html_url: '',
    body,
    user: makeUser(state, login),
    created_at: now,
    updated_at: now,
    author_association: authorAssociation(repo, login),
  };
}

/** A positive integer path parameter, or undefined. */
export function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
