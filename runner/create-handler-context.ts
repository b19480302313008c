import type { Octokit } from '@octokit/rest';
import type { CommentLog, HandlerContext, HandlerEnv } from '../handlers/context.js';
import type { GitHubEvent } from '../handlers/event.js';
import { createLoggingShell } from '../handlers/logging-shell.js';
import { createShell, type ShellHooks, type ShellOptions } from '../handlers/shell.js';
import type { Reporter } from './reporter.js';

export interface HandlerContextDeps {
  readonly event: GitHubEvent;
  readonly handler: string;
  readonly reporter: Reporter;
  readonly github: Octokit;
  readonly env: HandlerEnv;
  readonly workdir: string;
  readonly signal: AbortSignal;
  /** Environment of the commands the handler runs. */
  readonly commandEnv: Readonly<Record<string, string | undefined>>;
  /** Where command output streams to (redacted by the writer). */
  readonly output: ShellHooks['output'];
}

/** The `ctx` a handler receives. */
export function createHandlerContext(deps: HandlerContextDeps): HandlerContext {
  const shellDefaults: ShellOptions = { cwd: deps.workdir, env: deps.commandEnv };
  const hooks: ShellHooks = {
    signal: deps.signal,
    ...(deps.output ? { output: deps.output } : {}),
    onStart: (command) => deps.output?.(`$ ${command}\n`, 'stdout'),
  };
  const clusterContext = deps.env.clusterId;
  return {
    event: deps.event,
    handler: deps.handler,
    commitLogger: (sha) => deps.reporter.commentLog({ kind: 'commit', sha }, deps.handler),
    prLogger: (number) => deps.reporter.commentLog({ kind: 'pr', number }, deps.handler),
    sh: createShell(shellDefaults, hooks),
    loggingShell: (log: CommentLog) => createLoggingShell(log, shellDefaults, hooks),
    async setCommitStatus(sha, state, description, targetUrl, context = clusterContext) {
      let url: string | undefined;
      if (typeof targetUrl === 'function') {
        await targetUrl.flush();
        url = targetUrl.url;
      } else {
        url = targetUrl;
      }
      await deps.reporter.setCommitStatus({
        sha,
        state,
        context,
        ...(description === undefined ? {} : { description }),
        ...(url === undefined ? {} : { targetUrl: url }),
      });
    },
    getCommitStatus: (sha, context = clusterContext) => deps.reporter.getCommitStatus(sha, context),
    github: deps.github,
    env: deps.env,
    workdir: deps.workdir,
    signal: deps.signal,
  };
}
