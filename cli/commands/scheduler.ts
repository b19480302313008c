import { loadConfig, requireRepos, secretValues } from '../../common/config.js';
import { QuickcdError } from '../../common/errors.js';
import { checkRepoAccess } from '../../common/github/check-repo-access.js';
import { createGitHubClient } from '../../common/github/create-github-client.js';
import { loadHandlersFile } from '../../common/load-handlers.js';
import { createLogger } from '../../common/logger.js';
import { createRedactor } from '../../common/redact.js';
import { redactError } from '../../common/redact-error.js';
import { wantedTypes } from '../../handlers/registry.js';
import { systemClock } from '../../scheduler/clock.js';
import { parseBuiltinCommand } from '../../scheduler/builtin-command.js';
import { createScheduler } from '../../scheduler/create-scheduler.js';
import { createGitHubPoller } from '../../scheduler/github-poller.js';
import { pruneEvents } from '../../scheduler/prune-events.js';
import { createWebhookRoute } from '../../scheduler/http/webhook-route.js';
import { withFastSources } from '../../scheduler/sources/with-fast-sources.js';
import type { Command } from '../command.js';
import { createAdapters } from '../create-adapters.js';

/** After SIGTERM, the process exits at the latest after this, whatever is still pending. */
const SHUTDOWN_BOUND_MS = 20_000;

export const schedulerCommand: Command = {
  name: 'scheduler',
  summary: 'poll GitHub, store events, run one handler Job (or local runner) per event',
  usage: `Usage: quickcd scheduler --handlers <file> --repo owner/name [options]

Polls the GitHub Events API of each repository, stores every event some handler wants, and runs
its handlers: blocking handlers one event at a time per repository in event-id order (a failure
holds the repository until a retry succeeds or the event is skipped), non-blocking ones beside
them. SIGTERM stops it cleanly; running handlers are left alone and found again on start.

Options:
  --handlers <file>      handlers file (or QUICKCD_HANDLERS)
  --repo <owner/name>    repositories, comma-separated (or QUICKCD_REPO)
  --store <kind>         kubernetes (ConfigMaps, default) | file (or QUICKCD_STORE)
  --executor <kind>      kubernetes (one Job per event, default) | local (or QUICKCD_EXECUTOR)
  --state-dir <dir>      state directory of the file store (default .quickcd)
  --kubeconfig <file>    outside a cluster (default KUBECONFIG, ~/.kube/config)
  --namespace <ns>       Kubernetes namespace (or QUICKCD_NAMESPACE)
  --poll-interval <s>    seconds between polls (default 60; GitHub's X-Poll-Interval wins)
  --replay <mode>        first poll of a repository: none (default) | window
  --concurrency <n>      non-blocking runs at once (default 4)
  --log-level <level>    trace | debug | info (default) | warn | error

Without a cluster: --store file --executor local. Every setting: quickcd config.`,
  options: {
    handlers: { type: 'string' },
    repo: { type: 'string' },
    store: { type: 'string' },
    executor: { type: 'string' },
    'state-dir': { type: 'string' },
    kubeconfig: { type: 'string' },
    namespace: { type: 'string' },
    'poll-interval': { type: 'string' },
    replay: { type: 'string' },
    concurrency: { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  async run({ flags, env }) {
    const config = loadConfig(env, flags);
    const repos = requireRepos(config).map((r) => r.fullName);
    if (!config.handlers) {
      throw new QuickcdError('USAGE', 'missing --handlers <file> (or set QUICKCD_HANDLERS)');
    }
    if (!config.githubToken && !config.githubAppId) {
      throw new QuickcdError(
        'CONFIG_INVALID',
        'The scheduler needs GitHub credentials: set QUICKCD_GITHUB_TOKEN (or GITHUB_TOKEN), or QUICKCD_GITHUB_APP_ID, QUICKCD_GITHUB_APP_PRIVATE_KEY and QUICKCD_GITHUB_APP_INSTALLATION_ID',
      );
    }
    const redact = createRedactor(secretValues(config, env));
    const log = createLogger({ level: config.logLevel, format: config.logFormat, redact });
    // A load error can quote anything (a URL with credentials, a secret in the file's code).
    const { registry, bundle } = await loadHandlersFile(config.handlers).catch((error: unknown) => {
      throw redactError(error, redact);
    });
    const adapters = createAdapters(config, log);
    await adapters.checkCluster();
    const store = adapters.store();
    const executor = await adapters.executor(bundle, env);
    const github = createGitHubClient({ config, log });
    const types = wantedTypes(registry);
    // Types only: the scheduler runs the filters, once per event, and logs those that throw.
    const wanted = (event: Parameters<typeof parseBuiltinCommand>[0]) =>
      parseBuiltinCommand(event) !== undefined || types.has(event.type);
    const fast = withFastSources({
      events: createGitHubPoller({ github, wanted, config, log }),
      github,
      store,
      wanted,
      repos,
      config,
      log,
    });
    const scheduler = createScheduler({
      repos,
      source: fast.source,
      store,
      executor,
      leadership: adapters.leadership(),
      registry,
      config,
      log,
      clock: systemClock,
      clusterId: config.clusterId,
      // Bad credentials are reported at start (not ready), and checked again until they work.
      checkAccess: (repo, signal) => checkRepoAccess(github, repo, signal),
      respond: async (fullName, target, body) => {
        const [owner = '', repo = ''] = fullName.split('/');
        if (target.kind === 'commit') {
          await github.rest.repos.createCommitComment({
            owner,
            repo,
            commit_sha: target.sha,
            body,
          });
        } else {
          await github.rest.issues.createComment({
            owner,
            repo,
            issue_number: target.number,
            body,
          });
        }
      },
      // Only the leader prunes: old events, and handlers ConfigMaps no Job mounts any more.
      prune: () =>
        Promise.all([
          pruneEvents(store, {
            retentionDays: config.retentionDays,
            retentionCount: config.retentionCount,
            now: systemClock.now(),
            log,
          }),
          adapters.pruneExecutor(),
        ]),
    });

    // POST /webhook: to be mounted on the scheduler's HTTP port (QUICKCD_HTTP_PORT, issue 13).
    const webhook =
      config.webhookSecret && fast.fast
        ? createWebhookRoute({
            secret: config.webhookSecret,
            repos,
            nudge: (repo) => {
              fast.fast?.nudge(repo);
              scheduler.nudge(repo);
            },
            log,
          })
        : undefined;
    if (webhook) log.info({ path: webhook.path }, 'webhook nudge configured');
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      // A second signal (impatient Ctrl-C, kubelet repeating itself) changes nothing.
      if (stop.signal.aborted) return;
      log.info({ signal }, 'stopping: polling ends, running handlers are left alone');
      stop.abort();
      setTimeout(() => {
        log.warn('shutdown took too long: exiting');
        process.exit(0);
      }, SHUTDOWN_BOUND_MS).unref();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    log.info(
      { repos, setup: adapters.describe(), clusterId: config.clusterId },
      'scheduler starting',
    );
    try {
      const reason = await scheduler.run(stop.signal);
      // Lost leadership: exit non-zero so the Pod restarts and contends again.
      return reason === 'leadership lost' ? 1 : 0;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  },
};
