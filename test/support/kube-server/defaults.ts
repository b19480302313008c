import { randomInt } from 'node:crypto';
import { badRequest } from './status.js';
import { isObject, type JsonObject, type KubeObject } from './types.js';

/** Alphabet the API server uses for generateName suffixes (no vowels, no confusables). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** A 5-character random suffix as appended to `generateName`. */
export function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return s;
}

/**
 * Fills in what the API server defaults on create (`uid` must already be set): Secret
 * `stringData`/`type`, Job selector/labels/limits, Pod spec defaults, Namespace status.
 */
export function applyCreateDefaults(plural: string, obj: KubeObject): void {
  switch (plural) {
    case 'secrets':
      normaliseSecret(obj);
      break;
    case 'jobs':
      defaultJob(obj);
      break;
    case 'pods':
      defaultPodSpec(obj.spec);
      obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'namespaces':
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      obj.metadata.labels = {
        ...obj.metadata.labels,
        'kubernetes.io/metadata.name': obj.metadata.name ?? '',
      };
      break;
  }
}

/** Merges `stringData` into base64 `data` and checks `data` is base64 (on every write). */
export function normaliseSecret(obj: KubeObject): void {
  obj.type ??= 'Opaque';
  const data: JsonObject = isObject(obj.data) ? { ...obj.data } : {};
  for (const [k, v] of Object.entries(data)) {
    if (typeof v === 'string' && (v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v))) {
      throw badRequest(
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${v.length} (data.${k})`,
      );
    }
  }
  if (isObject(obj.stringData)) {
    for (const [k, v] of Object.entries(obj.stringData))
      data[k] = Buffer.from(String(v)).toString('base64');
  }
  delete obj.stringData;
  if (Object.keys(data).length > 0 || obj.data !== undefined) obj.data = data;
}

function defaultJob(job: KubeObject): void {
  const uid = job.metadata.uid ?? '';
  const name = job.metadata.name ?? '';
  const spec: JsonObject = isObject(job.spec) ? job.spec : {};
  job.spec = spec;
  const template: JsonObject = isObject(spec.template) ? spec.template : {};
  spec.template = template;
  const meta: JsonObject = isObject(template.metadata) ? template.metadata : {};
  template.metadata = meta;
  const generated = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
  if (spec.manualSelector !== true) {
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), ...generated };
  }
  spec.parallelism ??= 1;
  spec.completions ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  defaultPodSpec(template.spec);
  job.status ??= {};
}

/** Pod spec defaults: grace period, DNS policy, container termination message settings. */
export function defaultPodSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) {
    if (!isObject(c)) continue;
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    const image = typeof c.image === 'string' ? c.image : '';
    c.imagePullPolicy ??=
      /:[^/]+$/.test(image) && !image.endsWith(':latest') ? 'IfNotPresent' : 'Always';
    c.resources ??= {};
  }
}
