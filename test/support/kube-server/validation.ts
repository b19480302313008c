import type { ResourceType } from './resources.js';
import { badRequest, invalid, type StatusCause } from './status.js';
import { isObject, type KubeObject } from './types.js';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/** Largest ConfigMap/Secret payload the API server accepts. */
export const MAX_DATA_BYTES = 1024 * 1024;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const bad = (field: string, value: unknown, msg: string): StatusCause => ({
  reason: 'FieldValueInvalid',
  field,
  message: `Invalid value: ${JSON.stringify(value)}: ${msg}`,
});
const required = (field: string, detail = ''): StatusCause => ({
  reason: 'FieldValueRequired',
  field,
  message: detail ? `Required value: ${detail}` : 'Required value',
});

/**
 * Checks an object about to be written as the API server's validation would; throws a 422
 * Invalid ApiError listing every problem. `old` is the stored object on updates.
 */
export function validateObject(type: ResourceType, obj: KubeObject, old?: KubeObject): void {
  const causes: StatusCause[] = [];
  const name = obj.metadata.name ?? '';
  if (!name) causes.push(required('metadata.name', 'name or generateName is required'));
  else if (type.plural === 'namespaces') {
    if (!DNS1123_LABEL.test(name) || name.length > 63)
      causes.push(bad('metadata.name', name, LABEL_MSG));
  } else if (name.length > 253) {
    causes.push(bad('metadata.name', name, 'must be no more than 253 characters'));
  } else if (!DNS1123_SUBDOMAIN.test(name)) causes.push(bad('metadata.name', name, SUBDOMAIN_MSG));
  causes.push(...validateLabels(obj.metadata.labels, 'metadata.labels'));
  causes.push(...validateAnnotations(obj.metadata.annotations));
  if (type.plural === 'configmaps' || type.plural === 'secrets') causes.push(...validateData(obj));
  if (type.plural === 'jobs') causes.push(...validateJob(obj, old));
  if (type.plural === 'pods') {
    causes.push(...validatePodSpec(obj.spec, 'spec', ['Always', 'OnFailure', 'Never']));
  }
  if (causes.length > 0) throw invalid(type.kind, type.group, name, causes);
}

/** Label keys and values (also used for Job template labels). */
export function validateLabels(labels: unknown, field: string): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (!isObject(labels)) return [bad(field, labels, 'must be a map of strings')];
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels)) {
    causes.push(...validateQualifiedName(k, field));
    if (typeof v !== 'string') causes.push(bad(field, v, 'must be a string'));
    else if (v.length > 63) causes.push(bad(field, v, 'must be no more than 63 characters'));
    else if (!LABEL_VALUE.test(v)) causes.push(bad(field, v, VALUE_MSG));
  }
  return causes;
}

function validateQualifiedName(key: string, field: string): StatusCause[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return [bad(field, key, `prefix part ${SUBDOMAIN_MSG}`)];
  }
  if (name.length > 63) return [bad(field, key, 'name part must be no more than 63 characters')];
  if (!QUALIFIED_NAME.test(name)) return [bad(field, key, QUALIFIED_MSG)];
  return [];
}

function validateAnnotations(annotations: unknown): StatusCause[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isObject(annotations)) return [bad('metadata.annotations', annotations, 'must be a map')];
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    causes.push(...validateQualifiedName(k.toLowerCase(), 'metadata.annotations'));
    size += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (size > MAX_ANNOTATIONS_BYTES) {
    causes.push({
      reason: 'FieldValueTooLong',
      field: 'metadata.annotations',
      message: `Too long: must have at most ${MAX_ANNOTATIONS_BYTES} bytes`,
    });
  }
  return causes;
}

function validateData(obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  const seen = new Set<string>();
  for (const field of ['data', 'binaryData'] as const) {
    const data = obj[field];
    if (data === undefined || data === null) continue;
    if (!isObject(data)) {
      causes.push(bad(field, data, 'must be a map of strings'));
      continue;
    }
    for (const [k, v] of Object.entries(data)) {
      if (!CONFIG_KEY.test(k) || k.length > 253) {
        causes.push(
          bad(
            `${field}[${k}]`,
            k,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          ),
        );
      }
      if (seen.has(k)) causes.push(bad(`${field}[${k}]`, k, 'duplicate of key present in data'));
      seen.add(k);
      if (typeof v !== 'string')
        throw badRequest(
          `${obj.kind} in version "v1" cannot be handled as a ${obj.kind}: ${field}.${k}: expected string`,
        );
      size +=
        k.length +
        (field === 'binaryData' || obj.kind === 'Secret'
          ? Buffer.from(v, 'base64').length
          : Buffer.byteLength(v));
    }
  }
  if (size > MAX_DATA_BYTES) {
    causes.push({
      reason: 'FieldValueTooLong',
      field: '[]',
      message: `Too long: must have at most ${MAX_DATA_BYTES} bytes`,
    });
  }
  return causes;
}

function validateJob(job: KubeObject, old?: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = job.metadata.name ?? '';
  if (name.length > 63) {
    causes.push(bad('metadata.name', name, 'must be no more than 63 characters'));
  }
  const spec = job.spec;
  if (!isObject(spec)) return [...causes, required('spec')];
  const template = spec.template;
  if (!isObject(template)) return [...causes, required('spec.template')];
  const meta = isObject(template.metadata) ? template.metadata : {};
  causes.push(...validateLabels(meta.labels, 'spec.template.metadata.labels'));
  causes.push(...validatePodSpec(template.spec, 'spec.template.spec', ['OnFailure', 'Never']));
  for (const f of [
    'backoffLimit',
    'activeDeadlineSeconds',
    'ttlSecondsAfterFinished',
    'completions',
    'parallelism',
  ]) {
    const v = spec[f];
    if (
      v !== undefined &&
      v !== null &&
      (typeof v !== 'number' || v < (f === 'activeDeadlineSeconds' ? 1 : 0))
    ) {
      causes.push(
        bad(
          `spec.${f}`,
          v,
          f === 'activeDeadlineSeconds'
            ? 'must be greater than 0'
            : 'must be greater than or equal to 0',
        ),
      );
    }
  }
  if (old && isObject(old.spec) && JSON.stringify(old.spec.template) !== JSON.stringify(template)) {
    causes.push({
      reason: 'FieldValueInvalid',
      field: 'spec.template',
      message: 'Invalid value: "...": field is immutable',
    });
  }
  return causes;
}

function validatePodSpec(spec: unknown, field: string, restartPolicies: string[]): StatusCause[] {
  if (!isObject(spec)) return [required(field)];
  const causes: StatusCause[] = [];
  const rp = spec.restartPolicy;
  if (rp === undefined || rp === null) {
    if (!restartPolicies.includes('Always')) causes.push(required(`${field}.restartPolicy`));
  } else if (typeof rp !== 'string' || !restartPolicies.includes(rp)) {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: `${field}.restartPolicy`,
      message: `Unsupported value: ${JSON.stringify(rp)}: supported values: ${restartPolicies.map((p) => `"${p}"`).join(', ')}`,
    });
  }
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push(required(`${field}.containers`));
    return causes;
  }
  containers.forEach((c: unknown, i) => {
    const f = `${field}.containers[${i}]`;
    if (!isObject(c)) return void causes.push(required(f));
    if (typeof c.name !== 'string' || c.name === '') causes.push(required(`${f}.name`));
    else if (!DNS1123_LABEL.test(c.name)) causes.push(bad(`${f}.name`, c.name, LABEL_MSG));
    if (typeof c.image !== 'string' || c.image === '') causes.push(required(`${f}.image`));
  });
  return causes;
}

/**
 * Decoding checks that the real server reports as 400 (not 422): MicroTime fields of a Lease
 * must carry exactly six fractional digits (`2024-01-01T00:00:00.000000Z`); a plain JS `Date`
 * serialises with three and is rejected, as by a real cluster.
 */
export function checkDecodable(type: ResourceType, obj: KubeObject): void {
  if (type.plural !== 'leases' || !isObject(obj.spec)) return;
  for (const f of ['acquireTime', 'renewTime']) {
    const v = obj.spec[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || !MICRO_TIME.test(v)) {
      throw badRequest(
        `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse as RFC3339 with microseconds (spec.${f})`,
      );
    }
  }
}
