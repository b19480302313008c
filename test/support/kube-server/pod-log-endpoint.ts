import type { ServerResponse } from 'node:http';
import type { ServerContext } from './context.js';
import { badRequest } from './status.js';
import { isObject, type KubeObject } from './types.js';
import type { LogQuery } from './pod-logs.js';

/**
 * Serves `GET pods/{name}/log` (`container`, `follow`, `tailLines`, `timestamps`,
 * `limitBytes`, `sinceSeconds`): plain text; with `follow=true` the response stays open
 * until the container exits.
 */
export function servePodLog(
  ctx: ServerContext,
  res: ServerResponse,
  pod: KubeObject,
  query: URLSearchParams,
): void {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name ?? '';
  const spec = isObject(pod.spec) ? pod.spec : {};
  const containers = (Array.isArray(spec.containers) ? spec.containers : [])
    .filter(isObject)
    .map((c) => String(c.name));
  const container = query.get('container') || containers[0];
  if (query.get('container') === null && containers.length > 1) {
    throw badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`,
    );
  }
  if (container === undefined || !containers.includes(container)) {
    throw badRequest(`container ${container ?? ''} is not valid for pod ${name}`);
  }
  if (container !== containers[0]) {
    throw badRequest(
      `container ${container} in pod ${name} is not run by this test server (only the first container runs)`,
    );
  }
  const status = isObject(pod.status) ? pod.status : {};
  const cs = Array.isArray(status.containerStatuses)
    ? status.containerStatuses.filter(isObject)[0]
    : undefined;
  const waiting = isObject(cs?.state) && isObject(cs.state.waiting) ? cs.state.waiting : undefined;
  if (!cs || (waiting && ctx.logs.size(ns, name) === 0)) {
    const reason = typeof waiting?.reason === 'string' ? waiting.reason : 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
  const q: LogQuery = { timestamps: query.get('timestamps') === 'true' };
  for (const k of ['tailLines', 'limitBytes', 'sinceSeconds'] as const) {
    const v = query.get(k);
    if (v !== null && v !== '') q[k] = Number(v);
  }
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.write(ctx.logs.render(ns, name, q));
  if (query.get('follow') !== 'true' || ctx.logs.ended(ns, name)) {
    res.end();
    return;
  }
  let cursor = ctx.logs.size(ns, name);
  const stop = ctx.logs.follow(ns, name, () => {
    res.write(ctx.logs.render(ns, name, q, cursor));
    cursor = ctx.logs.size(ns, name);
    if (ctx.logs.ended(ns, name)) finish();
  });
  const finish = (): void => {
    stop();
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
}
