import type { Config, Env } from '../common/config.js';
import { loadHandlers } from '../handlers/load-handlers.js';
import { createRedactor } from '../common/redact.js';
import { redactError } from '../common/redact-error.js';
import type { Registry } from '../handlers/registry.js';
import { useTrustedAssociations } from '../handlers/trusted-authors.js';
import { markRun, RUN_MARKER_ENV } from '../runner/kill-leftover-processes.js';
import {
  prepareRunner,
  type PrepareRunnerOptions,
  type ReporterKind,
  type RunnerDeps,
} from '../runner/prepare-runner.js';
import { redactProcessOutput } from '../runner/redact-process-output.js';
import { runnerSecrets } from '../runner/runner-secrets.js';

export interface HandlersRun {
  readonly registry: Registry;
  /** The run's mark, in the environment of everything the handlers start. */
  readonly marker: string;
  readonly deps: RunnerDeps;
}

/**
 * What `quickcd run` and `quickcd runner` do before the first handler: load the handlers file
 * (a load error redacted: it can quote a URL with credentials, a secret in the file's code),
 * mark the run, make QUICKCD_TRUSTED_ASSOCIATIONS the SDK's trusted set (`isTrustedAuthor`,
 * `TRUSTED_AUTHOR_ASSOCIATIONS`, `ctx.env.trustedAssociations`), and build the runner's reporter, logger and shell with this process's output
 * redacted from then on.
 */
export async function prepareHandlersRun(options: {
  readonly config: Config;
  readonly env: Env;
  readonly handlersFile: string;
  readonly reporter: ReporterKind;
  readonly stdout: (text: string) => void;
}): Promise<HandlersRun> {
  const { config, env, reporter } = options;
  useTrustedAssociations(config.trustedAssociations);
  const registry = await loadHandlers(options.handlersFile).catch((error: unknown) => {
    throw redactError(error, createRedactor(runnerSecrets(config, env)));
  });
  // Everything the handlers start carries the mark, so nothing escapes the end of the run.
  const marker = markRun();
  const deps = prepareRunner({
    config,
    env: { ...env, [RUN_MARKER_ENV]: marker },
    stdout: options.stdout,
    reporter,
    // Loaded only for the reporter in use: the GitHub client's plugins, the App auth and the
    // comment writer cost every run start that does not post to GitHub.
    ...(reporter === 'github'
      ? await import('./github-adapters.js').then((m) => m.githubAdapters(config))
      : await plainGitHub()),
  });
  redactProcessOutput(deps.redact);
  return { registry, marker, deps };
}

/** A plain Octokit for a run that does not report to GitHub (handlers may still read with it). */
async function plainGitHub(): Promise<Pick<PrepareRunnerOptions, 'createGitHub'>> {
  const { Octokit } = await import('@octokit/rest');
  return {
    createGitHub: (config) =>
      new Octokit({
        baseUrl: config.githubUrl,
        ...(config.githubToken ? { auth: config.githubToken } : {}),
      }),
  };
}
