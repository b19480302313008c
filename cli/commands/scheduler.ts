import { loadConfig, requireRepos, secretValues } from '../../common/config.js';
import { QuickcdError } from '../../common/errors.js';
import { favorMemory } from '../../common/favor-memory.js';
import { checkRepoAccess } from '../../common/github/check-repo-access.js';
import { createGitHubClient } from '../../common/github/create-github-client.js';
import { loadHandlersFile } from '../../handlers/load-handlers.js';
import { createLogger } from '../../common/logger.js';
import { createRedactor } from '../../common/redact.js';
import { redactError } from '../../common/redact-error.js';
import { systemClock } from '../../common/clock.js';
import { BUILTIN_COMMAND_TYPES, parseBuiltinCommand } from '../../scheduler/builtin-command.js';
import { createScheduler } from '../../scheduler/create-scheduler.js';
import { createGitHubPoller } from '../../scheduler/github-poller.js';
import { pruneEvents } from '../../scheduler/prune-events.js';
import { createWebhookRoute } from '../../scheduler/http/webhook-route.js';
import { withFastSources } from '../../scheduler/sources/with-fast-sources.js';
import { startHttpServer, type HttpServer } from '../../scheduler/http/create-http-server.js';
import { healthRoutes } from '../../scheduler/http/health-routes.js';
import { createLiveness } from '../../scheduler/liveness.js';
import { createSchedulerMetrics } from '../../scheduler/metrics/create-scheduler-metrics.js';
import { instrumentGitHub } from '../../scheduler/metrics/instrument-github.js';
import { onKubernetesApiError } from '../../scheduler/metrics/kubernetes-api-errors.js';
import { createReadiness } from '../../scheduler/readiness.js';
import { followHandlersFile } from '../../scheduler/handlers-reloader.js';
import { createLiveHandlers } from '../../scheduler/live-handlers.js';
import { combineObservers } from '../../scheduler/scheduler-observer.js';
import { registerFastSourceMetrics } from '../../scheduler/metrics/register-fast-source-metrics.js';
import type { Command } from '../command.js';

/** After SIGTERM, the process exits at the latest after this, whatever is still pending. */
const SHUTDOWN_BOUND_MS = 20_000;
/** The loop always passes within 5 minutes (its resync): /healthz allows a minute more. */
const MIN_SILENCE_MS = 6 * 60_000;

export const schedulerCommand: Command = {
  name: 'scheduler',
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
  --http-port <port>     /healthz, /readyz, /metrics (default 8080; 0: none; or QUICKCD_HTTP_PORT)
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
    'http-port': { type: 'string' },
    'log-level': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  async run({ flags, env }) {
    favorMemory();
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
    const { registry, bundle } = await loadHandlersFile(config.handlers, {
      sourceMaps: 'while-loading',
    }).catch((error: unknown) => {
      throw redactError(error, redact);
    });
    // Loaded here, not at start-up: `quickcd runner` and the rest need no Kubernetes client.
    const { createAdapters } = await import('../create-adapters.js');
    const adapters = await createAdapters(config, log);
    await adapters.checkCluster();
    const store = adapters.store();
    const executor = await adapters.executor(bundle, env);
    const github = createGitHubClient({ config, log });
    const metrics = createSchedulerMetrics(systemClock);
    instrumentGitHub(github, metrics.githubRequest);
    const stopCountingKubeErrors = onKubernetesApiError(metrics.kubernetesError);
    const readiness = createReadiness();
    const kubeEvents = adapters.kubeEvents(systemClock, redact);
    const history = adapters.history(systemClock, redact);
    const liveness = createLiveness(
      systemClock,
      Math.max(5 * config.pollInterval * 1000, MIN_SILENCE_MS),
    );
    const live = createLiveHandlers(registry, executor);
    // Types only: the scheduler runs the filters, once per event, and logs those that throw.
    // Asked for every polled event and at every fast poll: the live handlers, no Set built.
    const handled = (type: string) => live.registry.handlers.some((h) => h.type === type);
    const wanted = (event: Parameters<typeof parseBuiltinCommand>[0]) =>
      parseBuiltinCommand(event) !== undefined || handled(event.type);
    const wantsType = (type: string) => BUILTIN_COMMAND_TYPES.has(type) || handled(type);
    const fast = withFastSources({
      events: createGitHubPoller({ github, wanted, config, log }),
      github,
      store,
      wanted,
      wantsType,
      repos,
      config,
      log,
    });
    if (fast.budget) registerFastSourceMetrics(metrics.registry, fast.budget);
    const scheduler = createScheduler({
      repos,
      source: fast.source,
      store,
      executor: live.executor,
      leadership: adapters.leadership(),
      registry: live.registry,
      config,
      log,
      clock: systemClock,
      clusterId: config.clusterId,
      trustedAssociations: config.trustedAssociations,
      readiness,
      liveness,
      observer: combineObservers(metrics.observer, kubeEvents?.observer, history?.observer),
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

    // POST /webhook on the scheduler's HTTP port, when QUICKCD_WEBHOOK_SECRET is set.
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
    const http: HttpServer | undefined =
      config.httpPort === 0
        ? undefined
        : await startHttpServer({
            port: config.httpPort,
            routes: [
              ...healthRoutes({ liveness, readiness, metrics: metrics.registry }),
              ...(webhook ? [webhook] : []),
            ],
            log,
          });
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
    const following =
      config.handlersCheckInterval === 0
        ? Promise.resolve()
        : followHandlersFile(
            {
              file: config.handlers,
              initial: { registry, bundle },
              load: (file) =>
                loadHandlersFile(file).catch((error: unknown) => {
                  throw redactError(error, redact);
                }),
              apply: async (loaded) =>
                live.replace(loaded.registry, await adapters.executor(loaded.bundle, env)),
              reported(result) {
                metrics.handlersReload(result.ok ? 'ok' : 'failed');
                const configMap = adapters.handlersConfigMap();
                if (!configMap) return;
                kubeEvents?.record(
                  result.ok
                    ? {
                        configMap,
                        type: 'Normal',
                        reason: 'HandlersReloaded',
                        action: 'Reload',
                        note: `the changed handlers file ${config.handlers} was loaded and published; new runs use it`,
                      }
                    : {
                        configMap,
                        type: 'Warning',
                        reason: 'HandlersReloadFailed',
                        action: 'Reload',
                        note: `the changed handlers file ${config.handlers} failed to load; the handlers of this ConfigMap stay in use: ${result.error}`,
                      },
                );
              },
              readiness,
              log,
              clock: systemClock,
              intervalMs: config.handlersCheckInterval * 1000,
            },
            stop.signal,
          ).catch((error: unknown) => {
            log.error({ err: error }, 'following the handlers file stopped');
          });
    try {
      const reason = await scheduler.run(stop.signal);
      // Lost leadership: exit non-zero so the Pod restarts and contends again.
      return reason === 'leadership lost' ? 1 : 0;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      stop.abort();
      await following;
      stopCountingKubeErrors();
      await http?.close();
      await Promise.race([
        Promise.all([kubeEvents?.flush(), history?.flush()]),
        new Promise((r) => setTimeout(r, 2000).unref()),
      ]);
    }
  },
};
