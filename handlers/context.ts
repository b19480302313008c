import type { Octokit } from '@octokit/rest';
import type { GitHubEvent } from './event.js';
import type { AuthorAssociation } from './payloads.js';
import type { Shell } from './shell.js';

export type CommitState = 'error' | 'failure' | 'pending' | 'success';

/**
 * A comment on a commit or pull request that grows as the handler logs. On GitHub it is one
 * comment headed `## <cluster-id>: <handler>`, edited as sections arrive (coalesced); locally
 * it is printed. Calling it adds a section.
 */
export interface CommentLog {
  /** Adds a section: `title` in bold and, when given, `body` in a code block. */
  (title: string, body?: string): void;
  /** Adds a collapsible `<details>` section. */
  details(summary: string, body: string): void;
  /** Adds raw Markdown. */
  markdown(text: string): void;
  /** The comment's HTML URL once it exists (GitHub reporter); undefined before or locally. */
  readonly url: string | undefined;
  /** Resolves when every section so far has been written. */
  flush(): Promise<void>;
}

export interface CommitStatus {
  readonly state: CommitState;
  readonly description: string | null;
  readonly targetUrl: string | null;
  readonly context: string;
}

export interface HandlerEnv {
  /** HTTPS clone URL of the event's repository; `git` is authenticated for it, no token inside. */
  readonly repoUrl: string;
  readonly repo: { readonly owner: string; readonly name: string; readonly fullName: string };
  /** `<environment>/<region>/<cluster>`: comment header and default status context. */
  readonly clusterId: string;
  readonly githubUrl: string;
  /** True when the event comes from a fork (a pull request whose head is another repository). */
  readonly fromFork: boolean;
  /**
   * True when comments and statuses are only printed, not posted (`quickcd run` without
   * `--github`): a handler may then skip what needs the network or credentials.
   */
  readonly dryRun: boolean;
  /**
   * The `author_association` values trusted with chat-ops (`QUICKCD_TRUSTED_ASSOCIATIONS`;
   * default OWNER, MEMBER, COLLABORATOR): what `isTrustedAuthor` checks against.
   */
  readonly trustedAssociations: ReadonlySet<AuthorAssociation>;
  /** The runner's environment variables (Secrets injected into the runner among them). */
  readonly vars: Readonly<Record<string, string | undefined>>;
}

export interface HandlerContext<T extends string = string> {
  readonly event: GitHubEvent<T>;
  /** This handler's name. */
  readonly handler: string;
  commitLogger(sha: string): CommentLog;
  prLogger(number: number): CommentLog;
  /** Runs a command with bash; output streams to stdout. */
  readonly sh: Shell;
  /** A shell that adds each command and its output to `log` as a `<details>` section. */
  loggingShell(log: CommentLog): Shell;
  setCommitStatus(
    sha: string,
    state: CommitState,
    description?: string,
    targetUrl?: string | CommentLog,
    context?: string,
  ): Promise<void>;
  getCommitStatus(sha: string, context?: string): Promise<CommitStatus | undefined>;
  /** Octokit authenticated as quickcd, with retries and rate-limit handling. */
  readonly github: Octokit;
  readonly env: HandlerEnv;
  /** A fresh, empty directory: the handler's cwd. */
  readonly workdir: string;
  /** Aborted on timeout or shutdown. */
  readonly signal: AbortSignal;
}
