import type { V1EnvVar, V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { Config } from '../../common/config.js';
import type { LaunchSpec } from '../ports/executor.js';
import { LABEL, MANAGED_BY, repoLabel } from './names.js';
import { matchedHandlers } from '../matched-handlers.js';

/** The settings a handler Job is built from. */
export type JobConfig = Pick<
  Config,
  | 'runnerImage'
  | 'githubSecret'
  | 'runnerSecrets'
  | 'runnerServiceAccount'
  | 'jobTtlSeconds'
  | 'jobResources'
  | 'jobNodeSelector'
  | 'jobTolerations'
  | 'imagePullSecrets'
  | 'githubUrl'
  | 'clusterId'
  | 'logLevel'
  | 'logFormat'
  | 'handlerTimeoutSeconds'
  | 'commentIntervalSeconds'
  | 'trustedAssociations'
>;

export interface JobManifestInput {
  readonly spec: LaunchSpec;
  /** From `jobName(repo, eventId, lane, attempt)`. */
  readonly name: string;
  readonly namespace: string;
  /** The event's ConfigMap: the Job's owner; `gzip` when it holds `binaryData["event.json.gz"]`. */
  readonly eventConfigMap: { readonly name: string; readonly uid: string; readonly gzip: boolean };
  /** The published handlers ConfigMap and the key (file name) of the handlers file in it. */
  readonly handlersConfigMap: { readonly name: string; readonly file: string };
  readonly config: JobConfig;
}

export const RUNNER_CONTAINER = 'runner';
export const EVENT_DIR = '/quickcd/event';
export const HANDLERS_DIR = '/quickcd/handlers';
export const SECRETS_DIR = '/quickcd/secrets';
export const HOME_DIR = '/home/quickcd';
export const TERMINATION_LOG = '/dev/termination-log';
/** On a Job: the handlers ConfigMap it mounts (kept while the Job exists: prune-handlers.ts). */
export const JOB_HANDLERS_ANNOTATION = 'quickcd.dev/handlers';
const RUNNER_UID = 1000;

/** The GitHub credentials the runner reads, by key of the GitHub Secret. */
const GITHUB_SECRET_KEYS: readonly (readonly [env: string, key: string])[] = [
  ['QUICKCD_GITHUB_TOKEN', 'token'],
  ['QUICKCD_GITHUB_APP_ID', 'app-id'],
  ['QUICKCD_GITHUB_APP_PRIVATE_KEY', 'private-key'],
  ['QUICKCD_GITHUB_APP_INSTALLATION_ID', 'installation-id'],
];

/**
 * On every run Job and its Pods, removed once its outcome is recorded: the TTL controller (or a
 * deletion) cannot make a Job, or the Pod status that carries its result, disappear before
 * the scheduler has seen how it ended.
 */
export const RUN_FINALIZER = 'quickcd.dev/outcome-recorded';

/** The labels of a run's Job and Pod (`kubectl get jobs -l quickcd.dev/event-id=…`). */
export function jobLabels(spec: LaunchSpec): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.kind]: 'run',
    [LABEL.eventId]: spec.event.id,
    [LABEL.repo]: repoLabel(spec.event.repo),
    [LABEL.lane]: spec.lane,
    [LABEL.attempt]: String(spec.attempt),
  };
}

/**
 * The Job that runs the runner for one (event, lane, attempt). Pure: everything comes from the
 * arguments. Credentials are referenced from Secrets, never copied into the manifest.
 */
export function jobManifest(input: JobManifestInput): V1Job {
  const { spec, name, namespace, eventConfigMap, handlersConfigMap, config } = input;
  const labels = jobLabels(spec);
  const eventFile = eventConfigMap.gzip ? 'event.json.gz' : 'event.json';
  const secretDirs = config.runnerSecrets.map((secret) => `${SECRETS_DIR}/${secret}`);

  const volumes: V1Volume[] = [
    {
      name: 'event',
      configMap: { name: eventConfigMap.name, items: [{ key: eventFile, path: eventFile }] },
    },
    {
      name: 'handlers',
      configMap: {
        name: handlersConfigMap.name,
        items: [{ key: handlersConfigMap.file, path: handlersConfigMap.file }],
      },
    },
    { name: 'tmp', emptyDir: {} },
    { name: 'home', emptyDir: {} },
    ...config.runnerSecrets.map((secret, i) => ({
      name: `secret-${i}`,
      secret: { secretName: secret },
    })),
  ];
  const volumeMounts: V1VolumeMount[] = [
    { name: 'event', mountPath: EVENT_DIR, readOnly: true },
    { name: 'handlers', mountPath: HANDLERS_DIR, readOnly: true },
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'home', mountPath: HOME_DIR },
    ...config.runnerSecrets.map((secret, i) => ({
      name: `secret-${i}`,
      mountPath: `${SECRETS_DIR}/${secret}`,
      readOnly: true,
    })),
  ];
  const env: V1EnvVar[] = [
    { name: 'QUICKCD_GITHUB_URL', value: config.githubUrl },
    { name: 'QUICKCD_CLUSTER_ID', value: config.clusterId },
    { name: 'QUICKCD_REPO', value: spec.event.repo },
    { name: 'QUICKCD_LOG_LEVEL', value: config.logLevel },
    { name: 'QUICKCD_LOG_FORMAT', value: config.logFormat },
    { name: 'QUICKCD_HANDLER_TIMEOUT', value: String(config.handlerTimeoutSeconds) },
    { name: 'QUICKCD_COMMENT_INTERVAL', value: String(config.commentIntervalSeconds) },
    { name: 'QUICKCD_SECRET_DIRS', value: secretDirs.join(',') },
    { name: 'QUICKCD_TRUSTED_ASSOCIATIONS', value: config.trustedAssociations.join(',') },
    { name: 'HOME', value: HOME_DIR },
    { name: 'TMPDIR', value: '/tmp' },
    ...GITHUB_SECRET_KEYS.map(([envName, key]) => ({
      name: envName,
      valueFrom: { secretKeyRef: { name: config.githubSecret, key, optional: true } },
    })),
  ];
  const matched = matchedHandlers(spec);
  const command = [
    'quickcd',
    'runner',
    '--event',
    `${EVENT_DIR}/${eventFile}`,
    '--handlers',
    `${HANDLERS_DIR}/${handlersConfigMap.file}`,
    '--lane',
    spec.lane,
    '--completed',
    spec.completed.join(','),
    // Matched when the event was stored: the runner does not run the filters again.
    ...(matched.length > 0 ? ['--matched', matched.join(',')] : []),
    '--result',
    TERMINATION_LOG,
  ];

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      labels,
      annotations: { [JOB_HANDLERS_ANNOTATION]: handlersConfigMap.name },
      finalizers: [RUN_FINALIZER],
      ownerReferences: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: eventConfigMap.name,
          uid: eventConfigMap.uid,
          blockOwnerDeletion: false,
        },
      ],
    },
    spec: {
      // quickcd retries (with backoff, only the handlers not yet complete), not the Job controller.
      backoffLimit: 0,
      activeDeadlineSeconds: spec.timeoutSeconds,
      ttlSecondsAfterFinished: config.jobTtlSeconds,
      template: {
        // On the Pod too: its final status carries the runner's result, and the TTL
        // controller's foreground deletion removes the Pods before the Job.
        metadata: { labels, finalizers: [RUN_FINALIZER] },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: config.runnerServiceAccount,
          // quickcd's runner needs no Kubernetes API access. Whether handlers get a token (to
          // deploy) is the runner ServiceAccount's choice: the chart leaves it off by default.
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUNNER_UID,
            runAsGroup: RUNNER_UID,
            fsGroup: RUNNER_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          ...(config.jobNodeSelector ? { nodeSelector: config.jobNodeSelector } : {}),
          ...(config.jobTolerations ? { tolerations: config.jobTolerations } : {}),
          ...(config.imagePullSecrets.length > 0
            ? { imagePullSecrets: config.imagePullSecrets.map((s) => ({ name: s })) }
            : {}),
          volumes,
          containers: [
            {
              name: RUNNER_CONTAINER,
              image: config.runnerImage,
              command,
              env,
              ...(config.runnerSecrets.length > 0
                ? {
                    envFrom: config.runnerSecrets.map((secret) => ({
                      secretRef: { name: secret },
                    })),
                  }
                : {}),
              volumeMounts,
              terminationMessagePath: TERMINATION_LOG,
              // No result written (a crash, a load error): the end of the log says why.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              ...(config.jobResources ? { resources: config.jobResources } : {}),
              securityContext: {
                runAsNonRoot: true,
                runAsUser: RUNNER_UID,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
        },
      },
    },
  };
}
