// charts/quickcd judged by the real tools: `helm lint` and `helm template` pass with the
// defaults and with every option values.yaml documents, and the real API server accepts every
// rendered manifest (server-side dry run, strict field validation) without a warning.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiextensionsV1Api, SchedulingV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../common/config.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { startTestCluster, type TestCluster } from '../../support/cluster/start-test-cluster.js';
import { leafPaths, readYaml } from '../../unit/charts/read-chart.js';
import {
  HANDLERS,
  REQUIRED,
  chartDir,
  find,
  helm,
  render,
  schedulerEnv,
  template,
  valuesFile,
  type Manifest,
  type Values,
} from './chart.js';

const namespace = 'quickcd';
const extraNamespaces = ['apps', 'staging'];
let cluster: TestCluster;

const b64 = (text: string): string => Buffer.from(text).toString('base64');
const kinds = (objects: Manifest[]): string[] =>
  objects.map((o) => `${o.kind}/${o.metadata?.name ?? ''}`).sort();
const podSpec = (objects: Manifest[]): Manifest =>
  find(objects, 'Deployment').spec.template.spec as Manifest;

interface Case {
  readonly name: string;
  readonly values: Values;
  /** What the option changes in the rendered manifests. */
  readonly check: (objects: Manifest[]) => void;
}

const cases: Case[] = [
  {
    name: 'the defaults',
    values: {},
    check(objects) {
      expect(kinds(objects)).toEqual([
        'ConfigMap/quickcd-handlers',
        'Deployment/quickcd',
        'Role/quickcd-scheduler',
        'RoleBinding/quickcd-scheduler',
        'ServiceAccount/quickcd',
        'ServiceAccount/quickcd-runner',
      ]);
      const env = schedulerEnv(objects);
      expect(env.QUICKCD_REPO).toBe('acme/webapp');
      // /healthz and /readyz on port 8080 as probes; Prometheus finds /metrics by annotation.
      expect(env.QUICKCD_HTTP_PORT).toBe('8080');
      const template = find(objects, 'Deployment').spec.template as Manifest;
      expect(template.metadata?.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '8080',
        'prometheus.io/path': '/metrics',
      });
      expect(template.spec.containers[0]).toMatchObject({
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
        readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
      });
      expect(env.QUICKCD_HANDLERS).toBe('/etc/quickcd/handlers/handlers.ts');
      expect(env.QUICKCD_RUNNER_SERVICE_ACCOUNT).toBe('quickcd-runner');
      expect(env.QUICKCD_LEASE_NAME).toBe('quickcd');
      expect(find(objects, 'ConfigMap').data).toEqual({ 'handlers.ts': HANDLERS.trimEnd() });
      const config = loadConfig(env);
      expect(config.runnerImage).toBe('ghcr.io/quickcd/runner:base');
      expect(config.trustedAssociations).toEqual(['OWNER', 'MEMBER', 'COLLABORATOR']);
    },
  },
  {
    name: 'handlers.existingConfigMap',
    values: { handlers: { content: '', existingConfigMap: 'my-handlers', fileName: 'ci.mjs' } },
    check(objects) {
      expect(objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
      expect(schedulerEnv(objects).QUICKCD_HANDLERS).toBe('/etc/quickcd/handlers/ci.mjs');
      expect(podSpec(objects).volumes).toContainEqual({
        name: 'handlers',
        configMap: { name: 'my-handlers' },
      });
    },
  },
  {
    name: 'handlers.path',
    values: { handlers: { content: '', path: '/opt/pipeline/handlers.ts' } },
    check(objects) {
      expect(schedulerEnv(objects).QUICKCD_HANDLERS).toBe('/opt/pipeline/handlers.ts');
      expect(podSpec(objects).volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    },
  },
  {
    name: 'github.token',
    values: { github: { token: 'ghp_example' } },
    check(objects) {
      expect(find(objects, 'Secret')).toMatchObject({
        metadata: { name: 'quickcd-github' },
        data: { token: b64('ghp_example') },
      });
    },
  },
  {
    name: 'github.app (App credentials) and github.existingSecret',
    values: {
      github: {
        existingSecret: 'github-app',
        app: { id: 123456, privateKey: 'PEM', installationId: 987654321012 },
      },
    },
    check(objects) {
      expect(find(objects, 'Secret')).toMatchObject({
        metadata: { name: 'github-app' },
        data: {
          'app-id': b64('123456'),
          'private-key': b64('PEM'),
          'installation-id': b64('987654321012'),
        },
      });
      expect(schedulerEnv(objects).QUICKCD_GITHUB_SECRET).toBe('github-app');
    },
  },
  {
    name: 'runner.rbac.rules',
    values: {
      runner: {
        rbac: {
          rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] }],
        },
      },
    },
    check(objects) {
      expect(find(objects, 'Role', 'quickcd-runner').rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'patch'] },
      ]);
      expect(find(objects, 'RoleBinding', 'quickcd-runner').subjects).toEqual([
        { kind: 'ServiceAccount', name: 'quickcd-runner', namespace },
      ]);
    },
  },
  {
    name: 'runner.rbac.extraNamespaces',
    values: {
      runner: {
        rbac: {
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
          extraNamespaces: [...extraNamespaces, namespace],
        },
      },
    },
    check(objects) {
      const runnerRoles = objects.filter(
        (o) => o.kind === 'Role' && o.metadata?.name === 'quickcd-runner',
      );
      expect(runnerRoles.map((r) => r.metadata?.namespace).sort()).toEqual(
        [namespace, ...extraNamespaces].sort(),
      );
      const bindings = objects.filter(
        (o) => o.kind === 'RoleBinding' && o.metadata?.name === 'quickcd-runner',
      );
      for (const binding of bindings) {
        expect(binding.subjects).toEqual([
          { kind: 'ServiceAccount', name: 'quickcd-runner', namespace },
        ]);
      }
      expect(bindings).toHaveLength(3);
    },
  },
  {
    name: 'runner.secrets',
    values: { runner: { secrets: ['deploy-creds', 'registry'] } },
    check(objects) {
      expect(loadConfig(schedulerEnv(objects)).runnerSecrets).toEqual(['deploy-creds', 'registry']);
    },
  },
  {
    name: 'runner.job settings',
    values: {
      runner: {
        job: {
          resources: { limits: { memory: '1Gi' }, requests: { cpu: '100m', memory: '256Mi' } },
          nodeSelector: { pool: 'ci' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ci', effect: 'NoSchedule' }],
          imagePullSecrets: ['regcred'],
          ttlSecondsAfterFinished: 600,
          handlerTimeoutSeconds: 900,
          concurrency: 2,
        },
      },
    },
    check(objects) {
      const config = loadConfig(schedulerEnv(objects));
      expect(config).toMatchObject({
        jobResources: { limits: { memory: '1Gi' }, requests: { cpu: '100m', memory: '256Mi' } },
        jobNodeSelector: { pool: 'ci' },
        jobTolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'ci', effect: 'NoSchedule' },
        ],
        imagePullSecrets: ['regcred'],
        jobTtlSeconds: 600,
        handlerTimeoutSeconds: 900,
        concurrency: 2,
      });
    },
  },
  {
    name: 'replicas',
    values: { replicas: 3 },
    check(objects) {
      expect(find(objects, 'Deployment').spec.replicas).toBe(3);
    },
  },
  {
    name: 'scheduler settings',
    values: {
      repos: ['acme/webapp', 'acme/api'],
      githubUrl: 'https://github.example.com/api/v3',
      clusterId: 'prod/us-east/main',
      environment: 'prod',
      region: 'us-east',
      cluster: 'main',
      pollInterval: 30,
      replay: 'window',
      logLevel: 'debug',
      logFormat: 'json',
      retry: { baseSeconds: 10, maxSeconds: 600 },
      retention: { days: 7, count: 50 },
      trustedAssociations: ['OWNER', 'CONTRIBUTOR'],
    },
    check(objects) {
      const config = loadConfig(schedulerEnv(objects));
      expect(schedulerEnv(objects).QUICKCD_TRUSTED_ASSOCIATIONS).toBe('OWNER,CONTRIBUTOR');
      expect(config.trustedAssociations).toEqual(['OWNER', 'CONTRIBUTOR']);
      expect(config.repos.map((r) => r.fullName)).toEqual(['acme/webapp', 'acme/api']);
      expect(config).toMatchObject({
        githubUrl: 'https://github.example.com/api/v3',
        clusterId: 'prod/us-east/main',
        pollInterval: 30,
        replay: 'window',
        logLevel: 'debug',
        logFormat: 'json',
        retryBaseSeconds: 10,
        retryMaxSeconds: 600,
        retentionDays: 7,
        retentionCount: 50,
      });
      expect(schedulerEnv(objects)).toMatchObject({
        QUICKCD_ENVIRONMENT: 'prod',
        QUICKCD_REGION: 'us-east',
        QUICKCD_CLUSTER: 'main',
      });
    },
  },
  {
    name: 'images',
    values: {
      image: { repository: 'registry.example.com/quickcd', tag: '0.1.0', pullPolicy: 'Always' },
      imagePullSecrets: ['regcred'],
      runner: {
        image: { flavour: 'kdep', repository: 'registry.example.com/runner', tag: 'kdep-0.1.0' },
      },
    },
    check(objects) {
      const spec = podSpec(objects);
      expect(spec.containers[0]).toMatchObject({
        image: 'registry.example.com/quickcd:0.1.0',
        imagePullPolicy: 'Always',
      });
      expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
      expect(schedulerEnv(objects).QUICKCD_RUNNER_IMAGE).toBe(
        'registry.example.com/runner:kdep-0.1.0',
      );
    },
  },
  {
    name: 'runner.image.flavour alone',
    values: {
      image: { repository: 'registry.example.com/quickcd' },
      runner: { image: { flavour: 'iks' } },
    },
    check(objects) {
      expect(schedulerEnv(objects).QUICKCD_RUNNER_IMAGE).toBe('registry.example.com/quickcd:iks');
    },
  },
  {
    name: 'existing ServiceAccounts (serviceAccount.create=false, runner.serviceAccount.create=false)',
    values: {
      serviceAccount: { create: false, name: 'ops' },
      runner: { serviceAccount: { create: false, name: 'deployer' } },
    },
    check(objects) {
      expect(objects.filter((o) => o.kind === 'ServiceAccount')).toEqual([]);
      expect(podSpec(objects).serviceAccountName).toBe('ops');
      expect(find(objects, 'RoleBinding').subjects).toEqual([
        { kind: 'ServiceAccount', name: 'ops', namespace },
      ]);
      expect(schedulerEnv(objects).QUICKCD_RUNNER_SERVICE_ACCOUNT).toBe('deployer');
    },
  },
  {
    name: 'named ServiceAccounts with annotations and a runner token',
    values: {
      serviceAccount: { name: 'cd-scheduler', annotations: { team: 'platform' } },
      runner: {
        serviceAccount: {
          name: 'cd-runner',
          automountServiceAccountToken: true,
          annotations: { team: 'apps' },
        },
      },
    },
    check(objects) {
      expect(find(objects, 'ServiceAccount', 'cd-scheduler').metadata?.annotations).toEqual({
        team: 'platform',
      });
      expect(find(objects, 'ServiceAccount', 'cd-runner')).toMatchObject({
        metadata: { annotations: { team: 'apps' } },
        automountServiceAccountToken: true,
      });
      expect(schedulerEnv(objects).QUICKCD_RUNNER_SERVICE_ACCOUNT).toBe('cd-runner');
    },
  },
  {
    name: 'scheduler Pod settings',
    values: {
      podAnnotations: { 'example.com/team': 'platform' },
      podLabels: { team: 'platform' },
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 1,
              preference: { matchExpressions: [{ key: 'pool', operator: 'In', values: ['ops'] }] },
            },
          ],
        },
      },
      priorityClassName: 'quickcd-high',
      resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      livenessProbe: { exec: { command: ['quickcd', 'config'] }, periodSeconds: 60 },
      extraEnv: [{ name: 'QUICKCD_COMMENT_INTERVAL', value: '5' }],
      podSecurityContext: {
        runAsNonRoot: true,
        runAsUser: 2000,
        runAsGroup: 2000,
        fsGroup: 2000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        runAsUser: 2000,
      },
    },
    check(objects) {
      const template = find(objects, 'Deployment').spec.template as Manifest;
      expect(template.metadata?.annotations).toMatchObject({ 'example.com/team': 'platform' });
      expect(template.metadata?.labels).toMatchObject({ team: 'platform' });
      expect(template.spec).toMatchObject({
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Exists' }],
        priorityClassName: 'quickcd-high',
        securityContext: { runAsUser: 2000 },
      });
      expect(template.spec.affinity.nodeAffinity).toBeDefined();
      expect(template.spec.containers[0]).toMatchObject({
        resources: { requests: { cpu: '10m' } },
        livenessProbe: { exec: { command: ['quickcd', 'config'] } },
        securityContext: { runAsUser: 2000 },
      });
      expect(loadConfig(schedulerEnv(objects)).commentIntervalSeconds).toBe(5);
    },
  },
  {
    name: 'metrics: another port, a ServiceMonitor, a custom readiness probe',
    values: {
      http: { port: 9102 },
      metrics: {
        scrapeAnnotations: true,
        serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prometheus' } },
      },
      readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 3 },
    },
    check(objects) {
      expect(schedulerEnv(objects).QUICKCD_HTTP_PORT).toBe('9102');
      const container = podSpec(objects).containers[0];
      expect(container.ports).toEqual([{ name: 'http', containerPort: 9102, protocol: 'TCP' }]);
      expect(container.readinessProbe).toEqual({
        httpGet: { path: '/readyz', port: 'http' },
        periodSeconds: 3,
      });
      expect(find(objects, 'Service', 'quickcd').spec).toMatchObject({
        ports: [{ name: 'http', port: 9102, targetPort: 'http' }],
        selector: { 'app.kubernetes.io/component': 'scheduler' },
      });
      const monitor = find(objects, 'ServiceMonitor', 'quickcd');
      expect(monitor.metadata?.labels).toMatchObject({ release: 'prometheus' });
      expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '15s' }]);
    },
  },
  {
    name: 'webhook nudge: its own Secret, a Service for the HTTP port, no ServiceMonitor',
    values: { webhook: { existingSecret: 'quickcd-webhook' } },
    check(objects) {
      const container = podSpec(objects).containers[0] as {
        env: { name: string; valueFrom?: unknown }[];
      };
      expect(container.env.find((e) => e.name === 'QUICKCD_WEBHOOK_SECRET')).toEqual({
        name: 'QUICKCD_WEBHOOK_SECRET',
        valueFrom: { secretKeyRef: { name: 'quickcd-webhook', key: 'secret' } },
      });
      expect(find(objects, 'Service', 'quickcd').spec).toMatchObject({
        ports: [{ name: 'http', port: 8080, targetPort: 'http' }],
      });
      expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    },
  },
  {
    name: 'no HTTP server',
    values: {
      http: { port: 0 },
      probes: { enabled: false },
      metrics: { scrapeAnnotations: false },
    },
    check(objects) {
      expect(schedulerEnv(objects).QUICKCD_HTTP_PORT).toBe('0');
      const template = find(objects, 'Deployment').spec.template as Manifest;
      expect(template.metadata?.annotations?.['prometheus.io/scrape']).toBeUndefined();
      const container = template.spec.containers[0];
      expect(container.ports).toBeUndefined();
      expect(container.livenessProbe).toBeUndefined();
      expect(container.readinessProbe).toBeUndefined();
    },
  },
  {
    name: 'nameOverride',
    values: { nameOverride: 'pipeline' },
    check(objects) {
      expect(find(objects, 'Deployment').metadata?.name).toBe('quickcd-pipeline');
      expect(schedulerEnv(objects).QUICKCD_RUNNER_SERVICE_ACCOUNT).toBe('quickcd-pipeline-runner');
    },
  },
  {
    name: 'fullnameOverride',
    values: { fullnameOverride: 'pipeline' },
    check(objects) {
      expect(kinds(objects)).toEqual([
        'ConfigMap/pipeline-handlers',
        'Deployment/pipeline',
        'Role/pipeline-scheduler',
        'RoleBinding/pipeline-scheduler',
        'ServiceAccount/pipeline',
        'ServiceAccount/pipeline-runner',
      ]);
      expect(schedulerEnv(objects).QUICKCD_LEASE_NAME).toBe('pipeline');
    },
  },
];

/** Settings no case needs to set: their default is what every case renders. */
const COVERED_BY_DEFAULT = new Set([
  'handlers.fileName',
  'runner.serviceAccount.create',
  'serviceAccount.create',
]);

describeCluster('charts/quickcd with the real helm and API server', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.createNamespace(namespace);
    for (const ns of extraNamespaces) await cluster.createNamespace(ns);
    await cluster.admin.makeApiClient(SchedulingV1Api).createPriorityClass({
      body: { metadata: { name: 'quickcd-high' }, value: 1000 },
    });
    // The Prometheus Operator's CRD, reduced to the fields the chart sets (their types as
    // upstream): the dry run needs the kind, and judges what the chart renders.
    await cluster.admin.makeApiClient(ApiextensionsV1Api).createCustomResourceDefinition({
      body: {
        metadata: { name: 'servicemonitors.monitoring.coreos.com' },
        spec: {
          group: 'monitoring.coreos.com',
          scope: 'Namespaced',
          names: { plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: {
                      type: 'object',
                      required: ['selector', 'endpoints'],
                      properties: {
                        selector: { type: 'object', x_kubernetes_preserve_unknown_fields: true },
                        endpoints: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              port: { type: 'string' },
                              path: { type: 'string' },
                              interval: {
                                type: 'string',
                                pattern: '^(0|(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?)$',
                              },
                            },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
  }, 120_000);
  afterAll(async () => cluster?.stop());

  it('every option of values.yaml is exercised by a case below', () => {
    const documented = leafPaths(readYaml('charts/quickcd/values.yaml'));
    const set = new Set(cases.flatMap((c) => leafPaths(c.values)).filter(Boolean));
    const prefixes = [...set];
    const missing = documented.filter(
      (leaf) =>
        !COVERED_BY_DEFAULT.has(leaf) &&
        !prefixes.some((p) => p === leaf || p.startsWith(`${leaf}.`) || leaf.startsWith(`${p}.`)),
    );
    expect(missing).toEqual([]);
  });

  it.each(cases)(
    '$name: helm lint, helm template, server-side dry run',
    async ({ values, check }) => {
      const files = [valuesFile(REQUIRED), valuesFile(values)];
      const lint = await helm(['lint', '--strict', chartDir, ...files.flatMap((f) => ['-f', f])]);
      expect(lint.code, lint.stdout + lint.stderr).toBe(0);

      const { yaml, objects } = await render(values, { namespace });
      check(objects);

      const path = join(
        tmpdir(),
        `quickcd-chart-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`,
      );
      writeFileSync(path, yaml);
      // No --namespace: every object names its own (so `helm template | kubectl apply` works too).
      const applied = await cluster.kubectl([
        'apply',
        '--dry-run=server',
        '--validate=strict',
        '-f',
        path,
      ]);
      expect(applied.code, applied.stderr).toBe(0);
      expect(applied.stderr, 'no warnings (PodSecurity, deprecated fields, …)').toBe('');
      expect(applied.stdout.trim().split('\n')).toHaveLength(objects.length);
    },
  );

  it.each([
    {
      why: 'no repository',
      values: { repos: [] },
      message: 'repos: list at least one repository to watch',
    },
    {
      why: 'no handlers file',
      values: { handlers: { content: '' } },
      message:
        'handlers: set handlers.content (the file), handlers.existingConfigMap or handlers.path',
    },
    {
      why: 'runner.rbac.rules without the runner ServiceAccount',
      values: {
        runner: {
          serviceAccount: { create: false, name: 'deployer' },
          rbac: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
        },
      },
      message:
        'runner.rbac.rules: the chart binds these rules to the runner ServiceAccount it creates, but runner.serviceAccount.create is false',
    },
    {
      why: 'runner.rbac.extraNamespaces without rules',
      values: { runner: { rbac: { extraNamespaces: ['apps'] } } },
      message:
        'runner.rbac.extraNamespaces: grants runner.rbac.rules in other namespaces, but runner.rbac.rules is empty',
    },
    {
      why: 'an unknown flavour',
      values: { runner: { image: { flavour: 'slim' } } },
      message: 'runner.image.flavour: expected base, kdep or iks, got "slim"',
    },
    {
      why: 'a token and an App',
      values: { github: { token: 't', app: { id: 1, privateKey: 'k', installationId: 2 } } },
      message: 'github.token and github.app: give one kind of GitHub credentials, not both',
    },
    {
      why: 'half an App',
      values: { github: { app: { id: 1 } } },
      message: 'github.app: set all of id, privateKey and installationId',
    },
  ])('fails at template time, saying why: $why', async ({ values, message }) => {
    const out = await template([valuesFile(REQUIRED), valuesFile(values)]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(message);
    // helm lint renders in lint mode, where `fail` is reported (as INFO) but does not fail
    const lint = await helm([
      'lint',
      chartDir,
      '-f',
      valuesFile(REQUIRED),
      '-f',
      valuesFile(values),
    ]);
    expect(lint.stdout + lint.stderr).toContain(`Fail: ${message}`);
  });

  it('helm lint passes with the defaults alone, and renders nothing without the required values', async () => {
    const lint = await helm(['lint', chartDir]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const out = await template([]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('repos: list at least one repository to watch');
  });
});
