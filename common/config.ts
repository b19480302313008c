import { hostname } from 'node:os';
import * as z from 'zod';
import {
  AUTHOR_ASSOCIATIONS,
  DEFAULT_TRUSTED_ASSOCIATIONS,
  type AuthorAssociation,
} from './author-associations.js';
import { QuickcdError } from './errors.js';

/**
 * The one source of truth for configuration. Each setting lists the environment variables it
 * is read from (first one set wins; the original quickcd's `CD_*` names come last) and its CLI
 * flag. Flags win over the environment. Errors name the variable or flag that was given.
 */
export interface Setting {
  readonly env: readonly string[];
  readonly flag?: string;
  readonly schema: z.ZodType;
  readonly describe: string;
  /** Never printed: shown as `(hidden)` / `***`. */
  readonly secret?: boolean;
  /** A default computed at start (shown instead of the value). */
  readonly defaultText?: string;
  /** The original quickcd's variables that do not map one to one (shown with the others). */
  readonly legacy?: string;
}

const seconds = (min = 1) =>
  z.coerce
    .number({ error: 'expected a number of seconds' })
    .int('expected a whole number of seconds')
    .min(min, `expected at least ${min}`);
const count = (min = 0) => {
  const expected = min === 1 ? 'expected a positive integer' : `expected an integer ≥ ${min}`;
  return z.coerce.number({ error: expected }).int(expected).min(min, expected);
};
const list = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const json = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const repoName = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
export const repoList = list.pipe(
  z
    .array(z.string().regex(repoName, 'expected owner/name, for example "acme/webapp"'))
    .transform((repos) => [...new Set(repos)]),
);

export const settings = {
  githubToken: {
    env: ['QUICKCD_GITHUB_TOKEN', 'GITHUB_TOKEN', 'CD_GITHUB_TOKEN'],
    schema: z.string().min(1).optional(),
    describe: 'GitHub token (secret; never logged)',
    secret: true,
  },
  githubAppId: {
    env: ['QUICKCD_GITHUB_APP_ID'],
    schema: z.string().regex(/^\d+$/, 'expected the numeric App id').optional(),
    describe: 'GitHub App id (instead of a token)',
  },
  githubAppPrivateKey: {
    env: ['QUICKCD_GITHUB_APP_PRIVATE_KEY'],
    schema: z
      .string()
      .transform((v) => v.replace(/\\n/g, '\n'))
      .pipe(z.string().includes('PRIVATE KEY', { message: 'expected a PEM private key' }))
      .optional(),
    describe: 'GitHub App private key, PEM (secret)',
    secret: true,
  },
  githubAppInstallationId: {
    env: ['QUICKCD_GITHUB_APP_INSTALLATION_ID'],
    schema: z.string().regex(/^\d+$/, 'expected the numeric installation id').optional(),
    describe: 'GitHub App installation id',
  },
  githubUrl: {
    env: ['QUICKCD_GITHUB_URL', 'CD_GITHUB_DOMAIN'],
    flag: 'github-url',
    schema: z.url({ error: 'expected an http(s) URL' }).default('https://api.github.com'),
    describe: 'GitHub API base URL (GitHub Enterprise: https://HOST/api/v3)',
  },
  repos: {
    env: ['QUICKCD_REPO'],
    flag: 'repo',
    schema: repoList.default([]),
    describe: 'repositories to watch: owner/name, comma-separated',
    legacy: 'CD_GITHUB_ORG_NAME + CD_GITHUB_REPO_NAME',
  },
  pollInterval: {
    env: ['QUICKCD_POLL_INTERVAL'],
    flag: 'poll-interval',
    schema: seconds().default(60),
    describe: 'seconds between polls (GitHub X-Poll-Interval wins when larger)',
  },
  fastPollInterval: {
    env: ['QUICKCD_FAST_POLL_INTERVAL'],
    schema: seconds(0).default(10),
    describe:
      "seconds between the fast sources' conditional polls of refs, pull requests and comments (0 disables them)",
  },
  fastPollBudget: {
    env: ['QUICKCD_FAST_POLL_BUDGET'],
    schema: count(1).default(300),
    describe:
      'fast-source requests a minute per token (GitHub allows 900): with many repositories the fast interval stretches',
  },
  webhookSecret: {
    env: ['QUICKCD_WEBHOOK_SECRET'],
    schema: z.string().min(1).optional(),
    describe: 'secret of GitHub webhook deliveries: POST /webhook then nudges the fast sources',
    secret: true,
  },
  revalidateInterval: {
    env: ['QUICKCD_REVALIDATE_INTERVAL'],
    schema: seconds().default(600),
    describe: 'seconds between re-validations of the whole event window (late events)',
  },
  replay: {
    env: ['QUICKCD_REPLAY'],
    flag: 'replay',
    schema: z.enum(['none', 'window']).default('none'),
    describe: 'first run against a repository: none (cursor only) or window (replay it)',
  },
  namespace: {
    env: ['QUICKCD_NAMESPACE', 'CD_NAMESPACE'],
    flag: 'namespace',
    schema: z.string().min(1).optional(),
    describe: 'Kubernetes namespace',
    defaultText: "the Pod's, or the kubeconfig context's",
  },
  clusterId: {
    env: ['QUICKCD_CLUSTER_ID'],
    schema: z.string().min(1).optional(),
    describe: 'cluster id for comment headers and status contexts',
    defaultText: 'environment/region/cluster, or quickcd',
  },
  environment: {
    env: ['QUICKCD_ENVIRONMENT', 'CD_ENVIRONMENT'],
    schema: z.string().min(1).optional(),
    describe: 'environment part of the cluster id',
  },
  region: {
    env: ['QUICKCD_REGION', 'CD_REGION_DASHED'],
    schema: z.string().min(1).optional(),
    describe: 'region part of the cluster id',
  },
  cluster: {
    env: ['QUICKCD_CLUSTER', 'CD_CLUSTER_NAME'],
    schema: z.string().min(1).optional(),
    describe: 'cluster part of the cluster id',
  },
  logLevel: {
    env: ['QUICKCD_LOG_LEVEL'],
    flag: 'log-level',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    describe: 'log level (quickcd run: warn)',
    legacy: 'CD_DEBUG=true (debug)',
  },
  httpPort: {
    env: ['QUICKCD_HTTP_PORT'],
    flag: 'http-port',
    schema: z.coerce
      .number({ error: 'expected a port number' })
      .int('expected a port number')
      .min(0, 'expected a port number from 0 to 65535')
      .max(65_535, 'expected a port number from 0 to 65535')
      .default(8080),
    describe: 'port of /healthz, /readyz and /metrics (0: no HTTP server)',
  },
  logFormat: {
    env: ['QUICKCD_LOG_FORMAT'],
    schema: z.enum(['text', 'json']).default('text'),
    describe: "quickcd's own log lines: text (short lines) or json (one JSON object a line)",
  },
  store: {
    env: ['QUICKCD_STORE'],
    flag: 'store',
    schema: z.enum(['kubernetes', 'file']).default('kubernetes'),
    describe: 'event store: kubernetes (ConfigMaps) or file (a state directory)',
  },
  executor: {
    env: ['QUICKCD_EXECUTOR'],
    flag: 'executor',
    schema: z.enum(['kubernetes', 'local']).default('kubernetes'),
    describe: 'executor: kubernetes (one Job per event) or local (child process)',
  },
  stateDir: {
    env: ['QUICKCD_STATE_DIR'],
    flag: 'state-dir',
    schema: z.string().min(1).default('.quickcd'),
    describe: 'state directory of the file store',
  },
  handlers: {
    env: ['QUICKCD_HANDLERS'],
    flag: 'handlers',
    schema: z.string().min(1).optional(),
    describe: 'handlers file (.ts, .mts, .js or .mjs)',
  },
  handlersCheckInterval: {
    env: ['QUICKCD_HANDLERS_CHECK_INTERVAL'],
    schema: seconds(0).default(10),
    describe:
      'seconds between checks of the handlers file for changes (reloaded for new runs; 0: never)',
  },
  kubeconfig: {
    env: ['KUBECONFIG'],
    flag: 'kubeconfig',
    schema: z.string().min(1).optional(),
    describe: 'kubeconfig path (outside a cluster)',
  },
  runnerImage: {
    env: ['QUICKCD_RUNNER_IMAGE'],
    schema: z.string().min(1).default('ghcr.io/quickcd/runner:base'),
    describe: 'image of the handler Jobs',
  },
  githubSecret: {
    env: ['QUICKCD_GITHUB_SECRET'],
    schema: z.string().min(1).default('quickcd-github'),
    describe:
      'Secret with the GitHub credentials (key token, or app-id/private-key/installation-id)',
  },
  runnerSecrets: {
    env: ['QUICKCD_RUNNER_SECRETS'],
    schema: list.default([]),
    describe: 'Secrets whose keys become env vars of the runner (values redacted)',
  },
  runnerServiceAccount: {
    env: ['QUICKCD_RUNNER_SERVICE_ACCOUNT'],
    schema: z.string().min(1).default('quickcd-runner'),
    describe: 'ServiceAccount of the handler Jobs',
  },
  jobTtlSeconds: {
    env: ['QUICKCD_JOB_TTL_SECONDS'],
    // At least 1: a Job deleted the moment it finishes leaves nothing for `quickcd logs`. The
    // Job's finalizer, not the TTL, keeps it until its outcome is recorded.
    schema: seconds(1).default(86_400),
    describe: 'ttlSecondsAfterFinished of handler Jobs (at least 1)',
  },
  jobResources: {
    env: ['QUICKCD_JOB_RESOURCES'],
    schema: json(z.record(z.string(), z.record(z.string(), z.string()))).optional(),
    describe: 'container resources of handler Jobs, JSON ({"limits":{"memory":"1Gi"}})',
  },
  jobNodeSelector: {
    env: ['QUICKCD_JOB_NODE_SELECTOR'],
    schema: json(z.record(z.string(), z.string())).optional(),
    describe: 'nodeSelector of handler Jobs, JSON',
  },
  jobTolerations: {
    env: ['QUICKCD_JOB_TOLERATIONS'],
    schema: json(z.array(z.record(z.string(), z.unknown()))).optional(),
    describe: 'tolerations of handler Jobs, JSON array',
  },
  imagePullSecrets: {
    env: ['QUICKCD_IMAGE_PULL_SECRETS'],
    schema: list.default([]),
    describe: 'image pull Secrets of handler Jobs, comma-separated',
  },
  retryBaseSeconds: {
    env: ['QUICKCD_RETRY_BASE_SECONDS'],
    schema: seconds().default(60),
    describe: 'retry backoff unit: the delay after attempt n is n³ × this',
  },
  retryMaxSeconds: {
    env: ['QUICKCD_RETRY_MAX_SECONDS'],
    schema: seconds().default(21_600),
    describe: 'retry backoff cap',
  },
  concurrency: {
    env: ['QUICKCD_CONCURRENCY'],
    flag: 'concurrency',
    schema: count(1).default(4),
    describe: 'non-blocking handler runs at once',
  },
  handlerTimeoutSeconds: {
    env: ['QUICKCD_HANDLER_TIMEOUT'],
    schema: seconds().default(3600),
    describe: 'default handler timeout (a handler may set timeoutSeconds)',
  },
  runnerSnapshot: {
    env: ['QUICKCD_RUNNER_SNAPSHOT'],
    schema: z.enum(['auto', 'off']).default('auto'),
    describe:
      "runner start: auto (from the runner's V8 startup snapshot when it fits this Node.js) or off (the runner compiles its modules)",
  },
  retentionDays: {
    env: ['QUICKCD_RETENTION_DAYS'],
    schema: count(1).default(30),
    describe: 'days handled/skipped events are kept',
  },
  retentionCount: {
    env: ['QUICKCD_RETENTION_COUNT'],
    schema: count(1).default(500),
    describe: 'handled/skipped events kept per repository',
  },
  leaseName: {
    env: ['QUICKCD_LEASE_NAME'],
    schema: z.string().min(1).default('quickcd-scheduler'),
    describe: 'leader election Lease',
  },
  leaseDurationSeconds: {
    env: ['QUICKCD_LEASE_DURATION'],
    schema: seconds(2).default(15),
    describe: 'leader election lease duration',
  },
  identity: {
    env: ['QUICKCD_IDENTITY', 'POD_NAME'],
    schema: z.string().min(1).default(`${hostname()}-${process.pid}`),
    describe: 'this scheduler replica, for leader election',
    defaultText: 'host name and process id',
  },
  commentIntervalSeconds: {
    env: ['QUICKCD_COMMENT_INTERVAL'],
    schema: z.coerce.number().min(0).default(3),
    describe: 'minimum seconds between edits of one GitHub comment',
  },
  trustedAssociations: {
    env: ['QUICKCD_TRUSTED_ASSOCIATIONS'],
    schema: list
      .pipe(
        z
          .array(
            z.enum(AUTHOR_ASSOCIATIONS as [string, ...string[]], {
              error: `expected author_association values from ${AUTHOR_ASSOCIATIONS.join(', ')}`,
            }),
          )
          .min(1, `expected at least one of ${AUTHOR_ASSOCIATIONS.join(', ')}`)
          .transform((values) => [...new Set(values)] as AuthorAssociation[]),
      )
      .default([...DEFAULT_TRUSTED_ASSOCIATIONS]),
    describe:
      'author_association values whose /quickcd commands are obeyed (scheduler and handlers), comma-separated',
  },
  secretDirs: {
    env: ['QUICKCD_SECRET_DIRS'],
    schema: list.default([]),
    describe: 'directories of mounted Secrets: every file value is redacted',
  },
  secretEnv: {
    env: ['QUICKCD_SECRET_ENV'],
    schema: list.default([]),
    describe: 'names of environment variables whose values are secrets (redacted)',
  },
} satisfies Record<string, Setting>;

type Settings = typeof settings;
type Parsed = { [K in keyof Settings]: z.output<Settings[K]['schema']> };

export interface Repo {
  readonly owner: string;
  readonly name: string;
  /** `owner/name` */
  readonly fullName: string;
}

export type Config = Omit<Parsed, 'repos' | 'clusterId'> & {
  readonly repos: readonly Repo[];
  readonly clusterId: string;
};

export type Flags = Readonly<Record<string, string | boolean | undefined>>;
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The raw value of each setting that is set, and where it came from (`--flag` or the variable's
 * name), before validation.
 */
export function readSettings(
  env: Env = process.env,
  flags: Flags = {},
): { raw: Record<string, unknown>; source: Record<string, string> } {
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const [key, setting] of Object.entries(settings) as [string, Setting][]) {
    const flagValue = setting.flag === undefined ? undefined : flags[setting.flag];
    if (typeof flagValue === 'string') {
      raw[key] = flagValue;
      source[key] = `--${setting.flag}`;
      continue;
    }
    const name = setting.env.find((n) => env[n] !== undefined && env[n] !== '');
    if (name !== undefined) {
      raw[key] = name === 'CD_GITHUB_DOMAIN' ? `https://${env[name]}/api/v3` : env[name];
      source[key] = name;
    }
  }
  if (raw.repos === undefined && env.CD_GITHUB_ORG_NAME && env.CD_GITHUB_REPO_NAME) {
    raw.repos = `${env.CD_GITHUB_ORG_NAME}/${env.CD_GITHUB_REPO_NAME}`;
    source.repos = 'CD_GITHUB_ORG_NAME/CD_GITHUB_REPO_NAME';
  }
  if (raw.logLevel === undefined && /^(true|1|yes)$/i.test(env.CD_DEBUG ?? '')) {
    raw.logLevel = 'debug';
    source.logLevel = 'CD_DEBUG';
  }
  return { raw, source };
}

/** Reads and validates configuration from `env` (default `process.env`) and CLI `flags`. */
export function loadConfig(env: Env = process.env, flags: Flags = {}): Config {
  const { raw, source } = readSettings(env, flags);

  const shape = Object.fromEntries(Object.entries(settings).map(([k, s]) => [k, s.schema]));
  // With the input of each issue: a list names its bad entry, a number shows as one.
  const result = z.object(shape).safeParse(raw, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = String(issue.path[0]);
      const setting = (settings as Record<string, Setting>)[key];
      const where = source[key] ?? setting?.env[0] ?? key;
      const input = (issue as { input?: unknown }).input;
      const given =
        issue.path.length > 1 || (typeof input === 'number' && Number.isFinite(input))
          ? input
          : raw[key];
      const shown = setting?.secret ? '(hidden)' : JSON.stringify(given);
      return `${where}: ${issue.message}, got ${shown}`;
    });
    throw new QuickcdError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, {
      problems,
    });
  }
  const parsed = result.data as Parsed;
  const clusterId =
    parsed.clusterId ??
    ([parsed.environment, parsed.region, parsed.cluster].filter(Boolean).join('/') || 'quickcd');
  return {
    ...parsed,
    clusterId,
    repos: parsed.repos.map((fullName) => {
      const [owner = '', name = ''] = fullName.split('/');
      return { owner, name, fullName };
    }),
  };
}

/** Fails with a message naming the variable when no repository is configured. */
export function requireRepos(config: Config): readonly Repo[] {
  if (config.repos.length === 0) {
    throw new QuickcdError(
      'CONFIG_INVALID',
      'No repository to watch: set QUICKCD_REPO=owner/name (comma-separated for several) or pass --repo owner/name',
    );
  }
  return config.repos;
}

/** The values quickcd must never print: tokens, keys and the env vars named secret. */
export function secretValues(config: Config, env: Env = process.env): string[] {
  const values = [config.githubToken, config.githubAppPrivateKey, config.webhookSecret];
  for (const name of config.secretEnv) values.push(env[name]);
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 4);
}
