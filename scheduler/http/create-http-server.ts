import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';

/** One route of the scheduler's HTTP port: other features add theirs to the table. */
export interface Route {
  readonly method: 'GET' | 'POST';
  /** Exact path, without the query string (`/metrics`). */
  readonly path: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

export interface HttpServer {
  /** The port listened on (the one asked for, or the system's pick for 0 in tests). */
  readonly port: number;
  close(): Promise<void>;
}

export interface HttpServerOptions {
  readonly port: number;
  readonly routes: readonly Route[];
  readonly log: Logger;
  /** Default: every interface (probes and scrapers come from outside the Pod). */
  readonly host?: string;
}

/**
 * The scheduler's one HTTP server (`QUICKCD_HTTP_PORT`): a small route table, 404 for other
 * paths, 405 for another method on a known path, 500 (logged) when a handler throws.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { routes, log } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const matching = routes.filter((r) => r.path === path);
    const route = matching.find((r) => r.method === req.method);
    if (!route) {
      res.statusCode = matching.length > 0 ? 405 : 404;
      if (matching.length > 0) res.setHeader('allow', matching.map((r) => r.method).join(', '));
      res.end(matching.length > 0 ? 'method not allowed\n' : 'not found\n');
      return;
    }
    Promise.resolve()
      .then(() => route.handle(req, res))
      .catch((error: unknown) => {
        log.error({ path, err: error }, 'HTTP handler failed');
        if (!res.headersSent) res.statusCode = 500;
        res.end();
      });
  });
  // Probes and scrapes are short: do not let an idle keep-alive hold shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new QuickcdError(
          'CONFIG_INVALID',
          `cannot serve HTTP on port ${options.port} (QUICKCD_HTTP_PORT or --http-port): ${
            error.code === 'EADDRINUSE' ? 'the port is in use' : errorMessage(error)
          }. Choose a free port, or 0 to disable the health and metrics endpoints.`,
          { port: options.port, cause: error },
        ),
      );
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, paths: routes.map((r) => `${r.method} ${r.path}`) }, 'serving HTTP');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
