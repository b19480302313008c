import type { Octokit } from '@octokit/rest';
import type { Config, Env } from '../common/config.js';
import { createLogger, type Logger } from '../common/logger.js';
import { createRedactor, type Redact } from '../common/redact.js';
import { createStreamRedactor } from '../common/stream-redactor.js';
import type { HandlerEnv } from '../handlers/context.js';
import type { GitHubEvent } from '../handlers/event.js';
import { createConsoleReporter } from './console-reporter.js';
import { gitAuthEnv, webUrlOf } from './git-auth-env.js';
import type { Reporter } from './reporter.js';
import { runnerSecrets } from './runner-secrets.js';

export type ReporterKind = 'github' | 'console';

export interface RunnerDeps {
  readonly redact: Redact;
  /** Redacted stdout. */
  readonly write: (text: string) => void;
  /** Writes what `write` still holds back (an end that might have begun a secret). */
  readonly flush: () => void;
  readonly log: Logger;
  readonly github: Octokit;
  /** Reporter, handler env and command env for one event. */
  forEvent(event: GitHubEvent): {
    reporter: Reporter;
    env: HandlerEnv;
    commandEnv: Record<string, string | undefined>;
  };
}

export interface PrepareRunnerOptions {
  readonly config: Config;
  readonly env: Env;
  readonly reporter: ReporterKind;
  readonly stdout: (text: string) => void;
  /** GitHub reporter factory (injected so this file does not depend on the GitHub adapter). */
  readonly githubReporter?: (args: {
    github: Octokit;
    repo: { owner: string; name: string };
    clusterId: string;
    redact: Redact;
    log: Logger;
    minEditIntervalMs: number;
  }) => Reporter;
  /**
   * The client factory (the GitHub adapter's, or a plain Octokit with the token, if any): passed
   * in, so that this file does not load Octokit and the caller loads only the client it uses.
   */
  readonly createGitHub: (config: Config, log: Logger) => Octokit;
  /** The token git should use (GitHub App: the installation token). */
  readonly gitToken?: string;
}

/** Everything the runner needs that does not depend on the handlers file. */
export function prepareRunner(options: PrepareRunnerOptions): RunnerDeps {
  const { config, env } = options;
  const token = options.gitToken ?? config.githubToken;
  const redact = createRedactor(runnerSecrets(config, env, token));
  const log = createLogger({ level: config.logLevel, format: config.logFormat, redact });
  // One stream: a secret split across writes (or cut in output without newlines) is held back
  // until it is whole, then hidden.
  const out = createStreamRedactor(redact);
  const write = (text: string) => {
    const ready = out.write(text);
    if (ready) options.stdout(ready);
  };
  const flush = () => {
    const rest = out.end();
    if (rest) options.stdout(rest);
  };
  const github = options.createGitHub(config, log);
  const webUrl = webUrlOf(config.githubUrl);
  const trustedAssociations = new Set(config.trustedAssociations);
  const commandEnv: Record<string, string | undefined> = {
    ...env,
    ...(token ? gitAuthEnv(webUrl, token) : {}),
  };
  // Commands never see quickcd's own credentials; git gets the token through its config env.
  for (const name of [
    'QUICKCD_GITHUB_TOKEN',
    'GITHUB_TOKEN',
    'CD_GITHUB_TOKEN',
    'QUICKCD_GITHUB_APP_PRIVATE_KEY',
  ]) {
    delete commandEnv[name];
  }

  return {
    redact,
    write,
    flush,
    log,
    github,
    forEvent(event) {
      const [owner = '', name = ''] = event.repo.name.split('/');
      const repo = { owner, name, fullName: event.repo.name };
      const reporter =
        options.reporter === 'github' && options.githubReporter
          ? options.githubReporter({
              github,
              repo,
              clusterId: config.clusterId,
              redact,
              log,
              minEditIntervalMs: config.commentIntervalSeconds * 1000,
            })
          : createConsoleReporter({ clusterId: config.clusterId, write });
      return {
        reporter,
        commandEnv,
        env: {
          repoUrl: `${webUrl}/${repo.fullName}.git`,
          repo,
          clusterId: config.clusterId,
          githubUrl: config.githubUrl,
          fromFork: isFromFork(event),
          dryRun: options.reporter !== 'github',
          trustedAssociations,
          vars: env,
        },
      };
    },
  };
}

/**
 * A pull request whose head is not known to live in the event's own repository. Fails closed:
 * a deleted fork (`head.repo: null`), a head without a `full_name` or without a `repo` at all
 * count as a fork, and so does a comment on a pull request (an IssueCommentEvent's payload
 * names the pull request but not its head). Events without a pull request are not from a fork.
 */
export function isFromFork(event: GitHubEvent): boolean {
  const payload = event.payload as {
    pull_request?: { head?: { repo?: { full_name?: unknown } | null } | null } | null;
    issue?: { pull_request?: unknown } | null;
  } | null;
  if (payload?.pull_request === undefined) {
    const onPullRequest = payload?.issue?.pull_request;
    return onPullRequest !== undefined && onPullRequest !== null;
  }
  const head = payload.pull_request?.head?.repo?.full_name;
  return typeof head !== 'string' || head.toLowerCase() !== event.repo.name.toLowerCase();
}
