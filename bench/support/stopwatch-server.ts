import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Mark {
  readonly kind: string;
  readonly id: string;
  /** Date.now() when the request arrived. */
  readonly at: number;
}

export interface StopwatchServer {
  /** `http://127.0.0.1:<port>`: a handler POSTs `<url>/<kind>/<id>` to leave a mark. */
  readonly url: string;
  readonly marks: readonly Mark[];
  /** The time of the mark of `kind` for `id`. */
  at(kind: string, id: string): number | undefined;
  close(): Promise<void>;
}

/**
 * Where handlers say when they start and end: a runner started locally and one in a Job's Pod
 * (host network on the test node) reach it the same way, so both executors are timed alike.
 */
export async function startStopwatchServer(): Promise<StopwatchServer> {
  const marks: Mark[] = [];
  const server = createServer((req, res) => {
    const at = Date.now();
    const [, kind = '', id = ''] = (req.url ?? '').split('/');
    marks.push({ kind, id, at });
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    marks,
    at: (kind, id) => marks.find((m) => m.kind === kind && m.id === id)?.at,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
