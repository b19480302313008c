/**
 * The quickcd SDK: what a handlers file imports (`import { on } from 'quickcd'`).
 */
export { on } from './on.js';
export { CommandError } from './command-error.js';
export { shellQuote } from './shell-quote.js';
export { TRUSTED_AUTHOR_ASSOCIATIONS, isTrustedAuthor } from './trusted-authors.js';
export { fenced } from './logging-shell.js';
export { compareEventIds, parseEvent } from './event.js';
export type { EventSourceName, GitHubEvent } from './event.js';
export type { Shell, ShellOptions, CommandResult } from './shell.js';
export type {
  CommentLog,
  CommitState,
  CommitStatus,
  HandlerContext,
  HandlerEnv,
} from './context.js';
export type { Handler, HandlerOptions, HandlerDefinition, Lane } from './registry.js';
export type * from './payloads.js';
