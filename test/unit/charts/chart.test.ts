// The Helm chart, checked without helm: its YAML parses, its templates refer only to values and
// settings that exist, and the scheduler gets exactly the permissions it needs.
import { describe, expect, it } from 'vitest';
import { loadConfig, settings } from '../../../common/config.js';
import {
  TPL,
  hasPath,
  leafPaths,
  readRepoFile,
  readTemplate,
  readYaml,
  skeleton,
  skeletonDocuments,
  templateFiles,
  valuesReferences,
} from './read-chart.js';

interface Values {
  image: { repository: string; tag: string };
  repos: string[];
  githubUrl: string;
  github: { existingSecret: string; token: string };
  pollInterval: number;
  http: { port: number };
  replay: string;
  logLevel: string;
  replicas: number;
  handlers: { fileName: string; content: string; existingConfigMap: string; path: string };
  runner: {
    image: { flavour: string; repository: string; tag: string };
    serviceAccount: { create: boolean; name: string; automountServiceAccountToken: boolean };
    rbac: { rules: unknown[]; extraNamespaces: string[] };
    secrets: string[];
    job: Record<string, unknown>;
  };
  retry: { baseSeconds: number; maxSeconds: number };
  retention: { days: number; count: number };
  trustedAssociations: string[];
  podSecurityContext: Record<string, unknown>;
  securityContext: Record<string, unknown>;
}

const chart = readYaml('charts/quickcd/Chart.yaml');
const values = readYaml<Values>('charts/quickcd/values.yaml');
const manifests = templateFiles().filter((f) => f.endsWith('.yaml'));
const settingEnvNames = new Set(Object.values(settings).flatMap((s) => [...s.env]));

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking parsed YAML manifests
type Obj = Record<string, any>;
const deployment = skeletonDocuments('deployment.yaml')[0] as Obj;
const podSpec = deployment.spec.template.spec as Obj;
const container = podSpec.containers[0] as Obj;
const envEntries = container.env as { name: string; value?: string; valueFrom?: Obj }[];

describe('Chart.yaml', () => {
  it('is a Helm 3 chart whose appVersion is the package version', () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { version: string };
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'quickcd', type: 'application' });
    expect(chart.appVersion).toBe('0.1.0');
    expect(chart.appVersion).toBe(pkg.version);
    expect(chart.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/);
    expect(chart.description).toEqual(expect.any(String));
  });
});

describe('values.yaml', () => {
  it('has the documented keys', () => {
    for (const path of [
      'image.repository',
      'image.tag',
      'repos',
      'githubUrl',
      'clusterId',
      'environment',
      'region',
      'cluster',
      'github.existingSecret',
      'github.token',
      'pollInterval',
      'handlers.content',
      'handlers.existingConfigMap',
      'runner.image.flavour',
      'runner.serviceAccount.name',
      'runner.rbac.rules',
      'runner.secrets',
      'runner.job.resources',
      'runner.job.nodeSelector',
      'runner.job.tolerations',
      'runner.job.imagePullSecrets',
      'runner.job.ttlSecondsAfterFinished',
      'retention.days',
      'retention.count',
      'replicas',
      'trustedAssociations',
      'resources',
      'logLevel',
      'podSecurityContext',
    ]) {
      expect(hasPath(values, path), path).toBe(true);
    }
  });

  it("defaults agree with quickcd's own defaults", () => {
    const defaults = loadConfig({});
    expect(values.github.existingSecret).toBe(defaults.githubSecret);
    // runner.serviceAccount.name: '' is <fullname>-runner, which for release "quickcd" is
    // quickcd's default (test/integration/helm/chart-options.test.ts renders it with helm)
    expect(values.runner.serviceAccount.name).toBe('');
    expect(defaults.runnerServiceAccount).toBe('quickcd-runner');
    expect(`${values.image.repository}:${values.runner.image.flavour}`).toBe(defaults.runnerImage);
    expect(values.githubUrl).toBe(defaults.githubUrl);
    expect(values.pollInterval).toBe(defaults.pollInterval);
    expect(values.http.port).toBe(defaults.httpPort);
    expect(values.runner.job.ttlSecondsAfterFinished).toBe(defaults.jobTtlSeconds);
    expect(values.retention).toEqual({
      days: defaults.retentionDays,
      count: defaults.retentionCount,
    });
    expect(values.retry).toEqual({
      baseSeconds: defaults.retryBaseSeconds,
      maxSeconds: defaults.retryMaxSeconds,
    });
    expect(values.replicas).toBe(1);
    expect(values.runner.image.flavour).toBe('base');
    expect(values.trustedAssociations).toEqual(defaults.trustedAssociations);
  });

  it('are accepted by the configuration schema, the way the deployment passes them', () => {
    const job = values.runner.job;
    const config = loadConfig({
      QUICKCD_REPO: 'acme/webapp',
      QUICKCD_GITHUB_URL: values.githubUrl,
      QUICKCD_POLL_INTERVAL: String(values.pollInterval),
      QUICKCD_REPLAY: values.replay,
      QUICKCD_LOG_LEVEL: values.logLevel,
      QUICKCD_JOB_TTL_SECONDS: String(job.ttlSecondsAfterFinished),
      QUICKCD_HANDLER_TIMEOUT: String(job.handlerTimeoutSeconds),
      QUICKCD_CONCURRENCY: String(job.concurrency),
      QUICKCD_JOB_RESOURCES: JSON.stringify({ limits: { memory: '1Gi' } }),
      QUICKCD_JOB_TOLERATIONS: JSON.stringify([{ key: 'dedicated', operator: 'Exists' }]),
      QUICKCD_RETRY_BASE_SECONDS: String(values.retry.baseSeconds),
      QUICKCD_RETRY_MAX_SECONDS: String(values.retry.maxSeconds),
      QUICKCD_RETENTION_DAYS: String(values.retention.days),
      QUICKCD_RETENTION_COUNT: String(values.retention.count),
      QUICKCD_TRUSTED_ASSOCIATIONS: values.trustedAssociations.join(','),
    });
    expect(config.repos.map((r) => r.fullName)).toEqual(['acme/webapp']);
  });

  it('asks for a restricted pod: non-root, no privilege escalation, read-only root', () => {
    expect(values.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(values.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });
});

describe('templates', () => {
  it('every manifest is YAML once its template actions are stripped', () => {
    for (const name of manifests) {
      expect(() => skeletonDocuments(name), name).not.toThrow();
    }
  });

  it('refer only to values that exist in values.yaml', () => {
    const missing = templateFiles().flatMap((name) =>
      valuesReferences(readTemplate(name))
        .filter((path) => !hasPath(values, path))
        .map((path) => `${name}: .Values.${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('use every value values.yaml documents', () => {
    const used = templateFiles().flatMap((name) => valuesReferences(readTemplate(name)));
    const unused = leafPaths(values).filter(
      (leaf) => !used.some((path) => leaf === path || leaf.startsWith(`${path}.`)),
    );
    expect(unused).toEqual([]);
  });

  it('include only helpers that _helpers.tpl defines', () => {
    const helpers = readTemplate('_helpers.tpl');
    const defined = new Set([...helpers.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
    const included = templateFiles().flatMap((name) =>
      [...readTemplate(name).matchAll(/include "([^"]+)"/g)].map((m) => m[1]),
    );
    expect(included.length).toBeGreaterThan(0);
    expect(included.filter((name) => !defined.has(name))).toEqual([]);
  });

  it('grant nothing cluster-wide', () => {
    for (const name of manifests) {
      expect(readTemplate(name), name).not.toMatch(/kind:\s*Cluster(Role|RoleBinding)\b/);
    }
  });
});

describe('deployment.yaml', () => {
  it('runs `quickcd scheduler` with the Kubernetes store and executor', () => {
    expect(deployment.kind).toBe('Deployment');
    expect(container.args).toEqual([
      'scheduler',
      '--store',
      'kubernetes',
      '--executor',
      'kubernetes',
    ]);
    expect(container.command).toBeUndefined(); // the image's ENTRYPOINT is quickcd
  });

  it('sets only QUICKCD_* variables that common/config.ts reads, each once', () => {
    const names = envEntries.map((e) => e.name);
    const quickcd = names.filter((n) => n.startsWith('QUICKCD_'));
    expect(quickcd.length).toBeGreaterThan(10);
    expect(quickcd.filter((n) => !settingEnvNames.has(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
    // every QUICKCD_ name anywhere in the template, not only in `- name:` lines
    const mentioned = readTemplate('deployment.yaml').match(/QUICKCD_[A-Z0-9_]+/g) ?? [];
    expect(mentioned.filter((n) => !settingEnvNames.has(n))).toEqual([]);
  });

  it('passes what the scheduler needs in a cluster', () => {
    const names = envEntries.map((e) => e.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'QUICKCD_REPO',
        'QUICKCD_HANDLERS',
        'QUICKCD_GITHUB_URL',
        'QUICKCD_GITHUB_SECRET',
        'QUICKCD_GITHUB_TOKEN',
        'QUICKCD_RUNNER_IMAGE',
        'QUICKCD_RUNNER_SERVICE_ACCOUNT',
        'QUICKCD_POLL_INTERVAL',
        'QUICKCD_LOG_LEVEL',
      ]),
    );
  });

  it('takes its identity from the pod name and its namespace from the pod', () => {
    const byName = new Map(envEntries.map((e) => [e.name, e]));
    expect(settings.identity.env).toContain('POD_NAME');
    expect(byName.get('POD_NAME')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
    expect(byName.get('QUICKCD_NAMESPACE')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.namespace' },
    });
  });

  it('reads the GitHub credentials from the Secret keys quickcd documents, all optional', () => {
    const refs = envEntries
      .filter((e) => e.valueFrom?.secretKeyRef)
      .map((e) => [e.name, e.valueFrom?.secretKeyRef.key, e.valueFrom?.secretKeyRef.optional]);
    expect(refs).toEqual([
      // Its own Secret (webhook.existingSecret), only when set: handler Jobs mount the other.
      ['QUICKCD_WEBHOOK_SECRET', 'secret', undefined],
      ['QUICKCD_GITHUB_TOKEN', 'token', true],
      ['QUICKCD_GITHUB_APP_ID', 'app-id', true],
      ['QUICKCD_GITHUB_APP_PRIVATE_KEY', 'private-key', true],
      ['QUICKCD_GITHUB_APP_INSTALLATION_ID', 'installation-id', true],
    ]);
    expect(settings.githubSecret.describe).toMatch(/token.*app-id.*private-key.*installation-id/);
  });

  it('has a writable /tmp beside its read-only root filesystem', () => {
    const tmp = (container.volumeMounts as Obj[]).find((m) => m.mountPath === '/tmp');
    expect(tmp).toBeDefined();
    const volume = (podSpec.volumes as Obj[]).find((v) => v.name === tmp?.name);
    expect(volume).toEqual({ name: 'tmp', emptyDir: {} });
    expect(readTemplate('deployment.yaml')).toContain('toYaml .Values.securityContext');
  });

  it('mounts the handlers ConfigMap where QUICKCD_HANDLERS points', () => {
    const mount = (container.volumeMounts as Obj[]).find((m) => m.name === 'handlers');
    expect(mount).toMatchObject({ mountPath: '/etc/quickcd/handlers', readOnly: true });
    expect(readTemplate('_helpers.tpl')).toContain('"/etc/quickcd/handlers/%s"');
  });
});

// The Roles and RoleBindings as helm renders them: test/integration/helm (role.test.ts,
// chart-options.test.ts).
describe('RBAC', () => {
  it("does not mount the runner ServiceAccount's token by default", () => {
    const [schedulerSa, runnerSa] = skeletonDocuments('serviceaccount.yaml') as Obj[];
    expect(schedulerSa?.automountServiceAccountToken).toBe(true);
    expect(runnerSa?.automountServiceAccountToken).toBe(TPL);
    expect(readTemplate('serviceaccount.yaml')).toContain(
      'automountServiceAccountToken: {{ .Values.runner.serviceAccount.automountServiceAccountToken }}',
    );
    expect(values.runner.serviceAccount.automountServiceAccountToken).toBe(false);
  });
});

describe('other templates', () => {
  it('creates the handlers ConfigMap only from inline content', () => {
    const configMap = readTemplate('configmap-handlers.yaml');
    expect(configMap.trimStart().startsWith('{{- if .Values.handlers.content }}')).toBe(true);
    expect(skeletonDocuments('configmap-handlers.yaml')[0]).toMatchObject({ kind: 'ConfigMap' });
  });

  it('NOTES.txt shows how to watch events, Jobs and logs', () => {
    const notes = readTemplate('NOTES.txt');
    expect(notes).toContain('get configmaps -l quickcd.dev/kind=event');
    expect(notes).toContain('get jobs');
    expect(notes).toContain('logs');
  });

  it('the skeleton keeps keys and drops directive-only lines', () => {
    expect(skeleton('a: {{ .Values.x | quote }}\n{{- if .Values.y }}\nb: 1\n{{- end }}\n')).toBe(
      `a: ${TPL}\nb: 1\n`,
    );
  });
});
