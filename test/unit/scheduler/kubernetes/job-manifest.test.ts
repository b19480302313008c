import type { V1Job } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../common/config.js';
import { parseEvent } from '../../../../handlers/event.js';
import type { LaunchSpec } from '../../../../scheduler/ports/executor.js';
import type { StoredEvent } from '../../../../scheduler/ports/event-store.js';
import { jobManifest } from '../../../../scheduler/kubernetes/job-manifest.js';
import {
  eventConfigMapName,
  handlersConfigMapName,
  jobName,
} from '../../../../scheduler/kubernetes/names.js';
import { makeEvent, pushPayload } from '../../../support/fixtures.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function storedEvent(repo: string, id: string): StoredEvent {
  return {
    repo,
    id,
    type: 'PushEvent',
    event: parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id, repo })),
    status: 'pending',
    lanes: {},
    handlers: {
      a: { lane: 'blocking', status: 'complete', attempts: 1 },
      b: { lane: 'blocking', status: 'complete', attempts: 1 },
      deploy: { lane: 'blocking', status: 'failed', attempts: 2 },
      notify: { lane: 'nonblocking', status: 'pending', attempts: 0 },
    },
    storedAt: '2026-11-20T09:00:01Z',
    late: false,
  };
}

function build(
  options: {
    repo?: string;
    env?: Record<string, string>;
    gzip?: boolean;
    completed?: string[];
    lane?: 'blocking' | 'nonblocking';
  } = {},
): { job: V1Job; spec: LaunchSpec; name: string } {
  const repo = options.repo ?? 'acme/webapp';
  const spec: LaunchSpec = {
    event: storedEvent(repo, '45000000123'),
    lane: options.lane ?? 'blocking',
    attempt: 3,
    completed: options.completed ?? [],
    timeoutSeconds: 3900,
  };
  const name = jobName(repo, spec.event.id, spec.lane, spec.attempt);
  const job = jobManifest({
    spec,
    name,
    namespace: 'cd',
    eventConfigMap: {
      name: eventConfigMapName(repo, spec.event.id),
      uid: 'uid-123',
      gzip: options.gzip ?? false,
    },
    handlersConfigMap: {
      name: handlersConfigMapName('x', 'quickcd-scheduler'),
      file: 'pipeline.ts',
    },
    config: loadConfig({ QUICKCD_CLUSTER_ID: 'prod/eu/one', ...options.env }),
  });
  return { job, spec, name };
}

const podSpec = (job: V1Job) => job.spec?.template.spec;
const container = (job: V1Job) => podSpec(job)?.containers[0];

describe('jobManifest', () => {
  it('names the Job deterministically within 63 characters, even for long repository names', () => {
    const long = build({
      repo: `${'an-organisation'.repeat(3)}/${'a-very-long-repository'.repeat(4)}`,
    });
    expect(long.job.metadata?.name).toBe(long.name);
    expect(long.name.length).toBeLessThanOrEqual(63);
    expect(long.name).toMatch(DNS1123_LABEL);
    expect(long.name).toMatch(/-45000000123-b3$/);
    expect(build().job.metadata?.name).toBe('quickcd-acme-webapp-45000000123-b3');
  });

  it('labels Job and Pod with valid labels users select on', () => {
    const { job } = build({ repo: 'Acme/Web_App.js', lane: 'nonblocking' });
    const expected = {
      'app.kubernetes.io/managed-by': 'quickcd',
      'quickcd.dev/kind': 'run',
      'quickcd.dev/event-id': '45000000123',
      'quickcd.dev/repo': 'Acme.Web_App.js',
      'quickcd.dev/lane': 'nonblocking',
      'quickcd.dev/attempt': '3',
    };
    expect(job.metadata?.labels).toEqual(expected);
    expect(job.spec?.template.metadata?.labels).toEqual(expected);
    for (const value of Object.values(job.metadata?.labels ?? {})) {
      expect(value).toMatch(LABEL_VALUE);
      expect(value.length).toBeLessThanOrEqual(63);
    }
  });

  it('is owned by the event ConfigMap, without blocking its deletion', () => {
    const { job } = build();
    expect(job.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'quickcd-acme-webapp-45000000123',
        uid: 'uid-123',
        blockOwnerDeletion: false,
      },
    ]);
  });

  it('leaves retries to quickcd and bounds the run', () => {
    const { job } = build({ env: { QUICKCD_JOB_TTL_SECONDS: '600' } });
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 3900,
      ttlSecondsAfterFinished: 600,
    });
    expect(podSpec(job)?.restartPolicy).toBe('Never');
  });

  it('runs the runner on the mounted event and handlers, writing its result to the termination log', () => {
    // --matched: the lane's handlers as stored, so the runner does not run the filters again.
    const { job } = build({ completed: ['a', 'b'] });
    const c = container(job);
    expect(podSpec(job)?.containers).toHaveLength(1);
    expect(c?.name).toBe('runner');
    expect(c?.image).toBe('ghcr.io/quickcd/runner:base');
    expect(c?.command).toEqual([
      'quickcd',
      'runner',
      '--event',
      '/quickcd/event/event.json',
      '--handlers',
      '/quickcd/handlers/pipeline.ts',
      '--lane',
      'blocking',
      '--completed',
      'a,b',
      '--matched',
      'a,b,deploy',
      '--result',
      '/dev/termination-log',
    ]);
    expect(c).toMatchObject({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
    const volumes = podSpec(job)?.volumes ?? [];
    expect(volumes.find((v) => v.name === 'event')?.configMap).toEqual({
      name: 'quickcd-acme-webapp-45000000123',
      items: [{ key: 'event.json', path: 'event.json' }],
    });
    expect(volumes.find((v) => v.name === 'handlers')?.configMap?.name).toBe(
      handlersConfigMapName('x', 'quickcd-scheduler'),
    );
    const mounts = Object.fromEntries((c?.volumeMounts ?? []).map((m) => [m.mountPath, m]));
    expect(mounts['/quickcd/event']?.readOnly).toBe(true);
    expect(mounts['/quickcd/handlers']?.readOnly).toBe(true);
    // Writable scratch space under a read-only root: /tmp and HOME (git writes there).
    for (const path of ['/tmp', '/home/quickcd']) {
      const volume = volumes.find((v) => v.name === mounts[path]?.name);
      expect(volume?.emptyDir, path).toEqual({});
    }
    expect(c?.env?.find((e) => e.name === 'HOME')?.value).toBe('/home/quickcd');
  });

  it('mounts the gzip-compressed event when the ConfigMap holds event.json.gz', () => {
    const { job } = build({ gzip: true });
    expect(container(job)?.command?.[3]).toBe('/quickcd/event/event.json.gz');
    expect(podSpec(job)?.volumes?.find((v) => v.name === 'event')?.configMap?.items).toEqual([
      { key: 'event.json.gz', path: 'event.json.gz' },
    ]);
  });

  it('references GitHub credentials from the Secret, never copying a value', () => {
    const { job } = build({
      env: {
        QUICKCD_GITHUB_TOKEN: 'ghp_supersecret',
        QUICKCD_GITHUB_SECRET: 'gh-creds',
        QUICKCD_GITHUB_URL: 'https://ghe.example/api/v3',
      },
    });
    expect(JSON.stringify(job)).not.toContain('ghp_supersecret');
    const env = Object.fromEntries((container(job)?.env ?? []).map((e) => [e.name, e]));
    expect(env.QUICKCD_GITHUB_TOKEN).toEqual({
      name: 'QUICKCD_GITHUB_TOKEN',
      valueFrom: { secretKeyRef: { name: 'gh-creds', key: 'token', optional: true } },
    });
    for (const [name, key] of [
      ['QUICKCD_GITHUB_APP_ID', 'app-id'],
      ['QUICKCD_GITHUB_APP_PRIVATE_KEY', 'private-key'],
      ['QUICKCD_GITHUB_APP_INSTALLATION_ID', 'installation-id'],
    ] as const) {
      expect(env[name]?.valueFrom?.secretKeyRef).toEqual({ name: 'gh-creds', key, optional: true });
      expect(env[name]?.value).toBeUndefined();
    }
    expect(env.QUICKCD_GITHUB_URL?.value).toBe('https://ghe.example/api/v3');
    expect(env.QUICKCD_CLUSTER_ID?.value).toBe('prod/eu/one');
    expect(env.QUICKCD_REPO?.value).toBe('acme/webapp');
    expect(env.QUICKCD_LOG_LEVEL?.value).toBe('info');
  });

  it('mounts each runner Secret read-only, lists it for redaction and exposes it as env', () => {
    const { job } = build({ env: { QUICKCD_RUNNER_SECRETS: 'deploy-key,registry' } });
    const c = container(job);
    const volumes = podSpec(job)?.volumes ?? [];
    for (const secret of ['deploy-key', 'registry']) {
      const mount = c?.volumeMounts?.find((m) => m.mountPath === `/quickcd/secrets/${secret}`);
      expect(mount?.readOnly).toBe(true);
      expect(volumes.find((v) => v.name === mount?.name)?.secret?.secretName).toBe(secret);
    }
    expect(c?.env?.find((e) => e.name === 'QUICKCD_SECRET_DIRS')?.value).toBe(
      '/quickcd/secrets/deploy-key,/quickcd/secrets/registry',
    );
    expect(c?.envFrom).toEqual([
      { secretRef: { name: 'deploy-key' } },
      { secretRef: { name: 'registry' } },
    ]);
    for (const v of volumes) expect(v.name).toMatch(DNS1123_LABEL);
  });

  it('gives the runner the trusted associations the scheduler was configured with', () => {
    const envOf = (job: V1Job) =>
      Object.fromEntries((container(job)?.env ?? []).map((e) => [e.name, e.value]));
    const custom = build({ env: { QUICKCD_TRUSTED_ASSOCIATIONS: 'OWNER,CONTRIBUTOR' } }).job;
    expect(envOf(custom).QUICKCD_TRUSTED_ASSOCIATIONS).toBe('OWNER,CONTRIBUTOR');
    // What the runner reads back from its environment is the very set.
    expect(loadConfig(envOf(custom)).trustedAssociations).toEqual(['OWNER', 'CONTRIBUTOR']);
    expect(loadConfig(envOf(build().job)).trustedAssociations).toEqual([
      'OWNER',
      'MEMBER',
      'COLLABORATOR',
    ]);
  });

  it('runs restricted, without a service account token', () => {
    const { job } = build({ env: { QUICKCD_RUNNER_SERVICE_ACCOUNT: 'runner-sa' } });
    // Token mounting is left to the ServiceAccount (the chart: off unless handlers deploy).
    expect(podSpec(job)?.automountServiceAccountToken).toBeUndefined();
    expect(podSpec(job)).toMatchObject({
      serviceAccountName: 'runner-sa',
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        seccompProfile: { type: 'RuntimeDefault' },
      },
    });
    expect(container(job)?.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('passes image, resources, nodeSelector, tolerations and image pull Secrets through', () => {
    const { job } = build({
      env: {
        QUICKCD_RUNNER_IMAGE: 'registry.example/quickcd:kdep',
        QUICKCD_JOB_RESOURCES: '{"limits":{"memory":"1Gi"},"requests":{"cpu":"100m"}}',
        QUICKCD_JOB_NODE_SELECTOR: '{"pool":"ci"}',
        QUICKCD_JOB_TOLERATIONS: '[{"key":"ci","operator":"Exists","effect":"NoSchedule"}]',
        QUICKCD_IMAGE_PULL_SECRETS: 'pull-a, pull-b',
      },
    });
    expect(container(job)?.image).toBe('registry.example/quickcd:kdep');
    expect(container(job)?.resources).toEqual({
      limits: { memory: '1Gi' },
      requests: { cpu: '100m' },
    });
    expect(podSpec(job)).toMatchObject({
      nodeSelector: { pool: 'ci' },
      tolerations: [{ key: 'ci', operator: 'Exists', effect: 'NoSchedule' }],
      imagePullSecrets: [{ name: 'pull-a' }, { name: 'pull-b' }],
    });
  });

  it('omits optional pod settings that are not configured', () => {
    const spec = podSpec(build().job);
    expect(spec?.nodeSelector).toBeUndefined();
    expect(spec?.tolerations).toBeUndefined();
    expect(spec?.imagePullSecrets).toBeUndefined();
    expect(container(build().job)?.envFrom).toBeUndefined();
    expect(container(build().job)?.resources).toBeUndefined();
  });
});
