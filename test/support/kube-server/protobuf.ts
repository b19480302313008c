import { ApiError } from './status.js';
import type { JsonObject } from './types.js';

/**
 * Just enough of the Kubernetes protobuf encoding to read what `kubectl create configmap`,
 * `kubectl create secret` and `kubectl create namespace` send (typed clients send
 * `application/vnd.kubernetes.protobuf`, and do not fall back to JSON). Other kinds → 415.
 */

type Field = { no: number; wire: number; value: bigint | Buffer };

function readVarint(buf: Buffer, pos: { i: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos.i++];
    if (b === undefined) throw new Error('truncated varint');
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return result;
    shift += 7n;
  }
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  const pos = { i: 0 };
  while (pos.i < buf.length) {
    const tag = Number(readVarint(buf, pos));
    const no = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, value: readVarint(buf, pos) });
    else if (wire === 2) {
      const len = Number(readVarint(buf, pos));
      out.push({ no, wire, value: buf.subarray(pos.i, pos.i + len) });
      pos.i += len;
    } else if (wire === 1) pos.i += 8;
    else if (wire === 5) pos.i += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field): string => (Buffer.isBuffer(f.value) ? f.value.toString('utf8') : '');
const bytes = (f: Field): Buffer => (Buffer.isBuffer(f.value) ? f.value : Buffer.alloc(0));

function mapEntry(f: Field): [string, Buffer] {
  let key = '';
  let value: Buffer = Buffer.alloc(0);
  for (const e of fields(bytes(f))) {
    if (e.no === 1) key = str(e);
    if (e.no === 2) value = bytes(e);
  }
  return [key, value];
}

function objectMeta(buf: Buffer): JsonObject {
  const meta: JsonObject = {};
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const f of fields(buf)) {
    if (f.no === 1 && str(f)) meta.name = str(f);
    else if (f.no === 2 && str(f)) meta.generateName = str(f);
    else if (f.no === 3 && str(f)) meta.namespace = str(f);
    else if (f.no === 11) labels[mapEntry(f)[0]] = mapEntry(f)[1].toString('utf8');
    else if (f.no === 12) annotations[mapEntry(f)[0]] = mapEntry(f)[1].toString('utf8');
  }
  if (Object.keys(labels).length > 0) meta.labels = labels;
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  return meta;
}

function decodeObject(kind: string, apiVersion: string, raw: Buffer): JsonObject {
  const o: JsonObject = { apiVersion, kind };
  const maps: Record<string, Record<string, string>> = {};
  const put = (name: string, f: Field, encode: (b: Buffer) => string): void => {
    const [k, v] = mapEntry(f);
    (maps[name] ??= {})[k] = encode(v);
  };
  const utf8 = (b: Buffer): string => b.toString('utf8');
  const b64 = (b: Buffer): string => b.toString('base64');
  for (const f of fields(raw)) {
    if (f.no === 1) o.metadata = objectMeta(bytes(f));
    else if (kind === 'ConfigMap' && f.no === 2) put('data', f, utf8);
    else if (kind === 'ConfigMap' && f.no === 3) put('binaryData', f, b64);
    else if (kind === 'ConfigMap' && f.no === 4) o.immutable = f.value === 1n;
    else if (kind === 'Secret' && f.no === 2) put('data', f, b64);
    else if (kind === 'Secret' && f.no === 3) o.type = str(f);
    else if (kind === 'Secret' && f.no === 4) put('stringData', f, utf8);
    else if (kind === 'Secret' && f.no === 5) o.immutable = f.value === 1n;
  }
  return { ...o, ...maps };
}

const unsupported = (what: string): ApiError =>
  new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${what})`,
  );

/** Decodes a `k8s\0`-prefixed protobuf body of a ConfigMap, Secret or Namespace. */
export function decodeKubernetesProtobuf(body: Buffer): JsonObject {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0')
    throw unsupported('missing protobuf envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer = Buffer.alloc(0);
  try {
    for (const f of fields(body.subarray(4))) {
      if (f.no === 1) {
        for (const t of fields(bytes(f))) {
          if (t.no === 1) apiVersion = str(t);
          if (t.no === 2) kind = str(t);
        }
      } else if (f.no === 2) raw = bytes(f);
    }
    if (!['ConfigMap', 'Secret', 'Namespace'].includes(kind)) throw unsupported(`protobuf ${kind}`);
    return decodeObject(kind, apiVersion, raw);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError(400, 'BadRequest', `invalid protobuf body: ${(e as Error).message}`);
  }
}
