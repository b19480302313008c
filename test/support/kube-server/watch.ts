import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenWatch, ServerContext } from './context.js';
import { fieldMatcher, labelMatcher } from './label-selector.js';
import type { StoreEvent } from './object-store.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import { gone } from './status.js';
import { toTable, wantsTable } from './table.js';
import type { KubeObject } from './types.js';

/**
 * Serves `?watch=true`: newline-delimited JSON events `{type, object}` over a chunked
 * response. Without `resourceVersion` (or with "0") it starts with ADDED events for the
 * current objects; with one, it replays the changes after it, or sends an ERROR event with a
 * 410 Expired Status and ends when the history no longer reaches back that far. Objects that
 * stop (start) matching the selectors are reported as DELETED (ADDED). Honours
 * `timeoutSeconds` and `allowWatchBookmarks`.
 */
export function serveWatch(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  type: ResourceType,
  ns: string | undefined,
  query: URLSearchParams,
): void {
  const labels = labelMatcher(query.get('labelSelector'));
  const fields = fieldMatcher(query.get('fieldSelector'));
  const matches = (o: KubeObject | undefined): boolean =>
    o !== undefined &&
    (ns === undefined || o.metadata.namespace === ns) &&
    labels(o.metadata.labels) &&
    fields(o);
  const table = wantsTable(req.headers.accept);
  let firstTableEvent = true;

  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Transfer-Encoding': 'chunked',
    'Cache-Control': 'no-cache, private',
  });
  res.flushHeaders();
  const send = (eventType: string, object: unknown): void => {
    let payload = object;
    if (table && (eventType === 'ADDED' || eventType === 'MODIFIED' || eventType === 'DELETED')) {
      payload = toTable(
        type,
        [object as KubeObject],
        String((object as KubeObject).metadata.resourceVersion),
        query.get('includeObject'),
        firstTableEvent,
      );
      firstTableEvent = false;
    }
    res.write(`${JSON.stringify({ type: eventType, object: payload })}\n`);
  };
  const onEvent = (e: StoreEvent): void => {
    if (e.resource !== type.plural) return;
    const now = e.type !== 'DELETED' && matches(e.object);
    const before = matches(e.previous);
    if (e.type === 'ADDED' && now) send('ADDED', e.object);
    else if (e.type === 'DELETED' && before) send('DELETED', e.object);
    else if (e.type === 'MODIFIED') {
      if (now && before) send('MODIFIED', e.object);
      else if (now) send('ADDED', e.object);
      else if (before) send('DELETED', e.object);
    }
  };

  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => undefined;
  const watch: OpenWatch = {
    end: () => {
      unsubscribe();
      for (const t of timers) clearInterval(t);
      ctx.watches.delete(watch);
      if (!res.writableEnded) res.end();
    },
  };
  ctx.watches.add(watch);
  res.on('close', () => watch.end());

  const rv = query.get('resourceVersion');
  if (!rv || rv === '0') {
    for (const o of ctx.store.list(type.plural, ns)) if (matches(o)) send('ADDED', o);
  } else {
    const changes = ctx.store.changesSince(type.plural, Number(rv));
    if (changes === 'gone' || Number.isNaN(Number(rv))) {
      send(
        'ERROR',
        gone(`too old resource version: ${rv} (${ctx.store.resourceVersion})`).toStatus(),
      );
      watch.end();
      return;
    }
    for (const e of changes) onEvent(e);
  }
  unsubscribe = ctx.store.subscribe(onEvent);

  const timeout = Number(query.get('timeoutSeconds') ?? '0');
  if (timeout > 0) timers.push(setTimeout(() => watch.end(), timeout * 1000));
  if (query.get('allowWatchBookmarks') === 'true') {
    const bookmark = (): void =>
      send('BOOKMARK', {
        kind: type.kind,
        apiVersion: apiVersionOf(type),
        metadata: { resourceVersion: String(ctx.store.resourceVersion) },
      });
    timers.push(setInterval(bookmark, ctx.bookmarkIntervalMs));
  }
}
