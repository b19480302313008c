import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import { createObject, deleteOne, getObject, patchObject, replaceObject } from './crud.js';
import { discoveryDocument } from './discovery.js';
import { deleteObject, propagationOf } from './garbage-collector.js';
import { parseJson, readBody, sendJson } from './http-util.js';
import { fieldMatcher, labelMatcher } from './label-selector.js';
import { openApiDocument } from './openapi.js';
import { servePodLog } from './pod-log-endpoint.js';
import { apiVersionOf, findResourceType, type ResourceType } from './resources.js';
import { ApiError } from './status.js';
import { toTable, wantsTable } from './table.js';
import { isObject, type KubeObject } from './types.js';
import { serveWatch } from './watch.js';

/** A parsed resource path. */
interface Route {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

const notFoundPage = (): ApiError =>
  new ApiError(404, 'NotFound', 'the server could not find the requested resource');

/** Parses `/api/v1/...` and `/apis/<group>/<version>/...` into a Route, or undefined. */
export function parseRoute(pathname: string): Route | undefined {
  const segs = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let rest: string[];
  if (segs[0] === 'api' && segs[1] === 'v1') [group, rest] = ['', segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 3) [group, rest] = [segs[1] ?? '', segs.slice(3)];
  else return undefined;
  const at = (i: number): string | undefined => rest[i];
  const nsType =
    at(0) === 'namespaces' && at(2) !== undefined
      ? findResourceType(group, at(2) ?? '')
      : undefined;
  if (nsType?.namespaced) {
    if (rest.length > 5) return undefined;
    return { type: nsType, namespace: at(1), name: at(3), subresource: at(4) };
  }
  const type = findResourceType(group, at(0) ?? '');
  if (!type || rest.length > 3) return undefined;
  if (type.namespaced && at(1) !== undefined) return undefined;
  return { type, namespace: undefined, name: at(1), subresource: at(2) };
}

/** Handles one request after faults were applied. */
export async function route(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname;
  if (/^\/(healthz|livez|readyz)$/.test(path)) {
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    return;
  }
  const host = req.headers.host ?? '127.0.0.1';
  const doc =
    method === 'GET' ? (discoveryDocument(path, host) ?? openApiDocument(path)) : undefined;
  if (doc) return sendJson(res, 200, doc);
  const r = parseRoute(path);
  if (!r) throw notFoundPage();
  const q = url.searchParams;
  const dryRun = q.get('dryRun') === 'All';
  const { type, namespace: ns, name, subresource: sub } = r;
  if (sub !== undefined && !type.subresources.some((s) => s.name === sub)) throw notFoundPage();

  if (name === undefined) {
    if (method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1')) {
      return serveWatch(ctx, req, res, type, ns, q);
    }
    if (method === 'GET') return sendList(ctx, req, res, type, ns, q);
    if (method === 'POST') {
      if (ns === undefined && type.namespaced)
        throw new ApiError(
          405,
          'MethodNotAllowed',
          'the server does not allow this method on the requested resource',
        );
      const body = parseJson(await readBody(req), req.headers['content-type']);
      return sendJson(res, 201, createObject(ctx, type, ns, body, dryRun));
    }
    if (method === 'DELETE' && ns !== undefined) {
      const options = await deleteOptions(req);
      const items = selected(ctx, type, ns, q);
      const policy = propagationOf(type.plural, options, q);
      if (!dryRun)
        for (const o of items) deleteObject(ctx, type.plural, ns, o.metadata.name ?? '', policy);
      return sendJson(res, 200, listOf(type, items, ctx.store.resourceVersion));
    }
    throw new ApiError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }

  const scope = sub === 'status' ? 'status' : 'main';
  switch (method) {
    case 'GET': {
      if (q.get('watch') === 'true' || q.get('watch') === '1') {
        q.set('fieldSelector', `metadata.name=${name}`);
        return serveWatch(ctx, req, res, type, ns, q);
      }
      const obj = getObject(ctx, type, ns, name);
      if (sub === 'log') return servePodLog(ctx, res, obj, q);
      if (wantsTable(req.headers.accept)) {
        return sendJson(
          res,
          200,
          toTable(type, [obj], obj.metadata.resourceVersion ?? '', q.get('includeObject')),
        );
      }
      return sendJson(res, 200, obj);
    }
    case 'PUT': {
      const body = parseJson(await readBody(req), req.headers['content-type']);
      return sendJson(res, 200, replaceObject(ctx, type, ns, name, body, scope, dryRun));
    }
    case 'PATCH': {
      const body = parseJson(await readBody(req), req.headers['content-type']);
      const contentType = req.headers['content-type'] ?? '';
      return sendJson(res, 200, patchObject(ctx, type, ns, name, contentType, body, scope, dryRun));
    }
    case 'DELETE': {
      const options = await deleteOptions(req);
      return sendJson(res, 200, deleteOne(ctx, type, ns, name, options, q));
    }
    default:
      throw new ApiError(
        405,
        'MethodNotAllowed',
        'the server does not allow this method on the requested resource',
      );
  }
}

async function deleteOptions(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = parseJson(await readBody(req), req.headers['content-type']);
  return isObject(body) ? body : {};
}

function selected(
  ctx: ServerContext,
  type: ResourceType,
  ns: string | undefined,
  q: URLSearchParams,
): KubeObject[] {
  const labels = labelMatcher(q.get('labelSelector'));
  const fields = fieldMatcher(q.get('fieldSelector'));
  return ctx.store.list(type.plural, ns).filter((o) => labels(o.metadata.labels) && fields(o));
}

function listOf(type: ResourceType, items: KubeObject[], rv: number): object {
  return {
    kind: `${type.kind}List`,
    apiVersion: apiVersionOf(type),
    metadata: { resourceVersion: String(rv) },
    items: items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
  };
}

function sendList(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  type: ResourceType,
  ns: string | undefined,
  q: URLSearchParams,
): void {
  const rv = ctx.store.resourceVersion;
  const items = selected(ctx, type, ns, q);
  if (wantsTable(req.headers.accept))
    return sendJson(res, 200, toTable(type, items, String(rv), q.get('includeObject')));
  sendJson(res, 200, listOf(type, items, rv));
}
