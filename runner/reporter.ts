import type { CommentLog, CommitState, CommitStatus } from '../handlers/context.js';

export type CommentTarget =
  | { readonly kind: 'commit'; readonly sha: string }
  | { readonly kind: 'pr'; readonly number: number };

/**
 * Where handler logs and statuses go: GitHub (comments + commit statuses) or the terminal.
 * One reporter serves one repository in one runner process.
 */
export interface Reporter {
  /** A new comment headed `## <cluster-id>: <handler>` on the target, grown as sections come. */
  commentLog(target: CommentTarget, handler: string): CommentLog;
  setCommitStatus(status: {
    sha: string;
    state: CommitState;
    description?: string;
    targetUrl?: string;
    context: string;
  }): Promise<void>;
  getCommitStatus(sha: string, context: string): Promise<CommitStatus | undefined>;
  /** Writes everything pending. Never rejects: reporter failures are logged, not fatal. */
  flush(): Promise<void>;
  /** After `flush`: the comments whose latest state and the statuses GitHub never got. */
  lostWrites?(): LostWrites;
}

export interface LostWrites {
  readonly comments: number;
  readonly statuses: number;
}
