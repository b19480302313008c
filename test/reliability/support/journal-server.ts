import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JournalEntry } from '../invariants/types.js';

/** Where the chaos handlers report each handler start and completion, over HTTP. */
export interface JournalServer {
  readonly url: string;
  readonly entries: JournalEntry[];
  /** Records an entry the suite itself wrote (a runner it killed). */
  record(entry: JournalEntry): void;
  close(): Promise<void>;
}

/**
 * An HTTP server on loopback taking one JSON entry per `POST /`: the runner's Pods share the
 * machine's network, so local runners and Kubernetes Jobs report the same way. `onEntry` sees
 * each entry once it is recorded (the runner killer listens for starts).
 */
export async function startJournalServer(
  onEntry: (entry: JournalEntry) => void = () => undefined,
): Promise<JournalServer> {
  const entries: JournalEntry[] = [];
  const record = (entry: JournalEntry) => {
    entries.push(entry);
    onEntry(entry);
  };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      try {
        const e = JSON.parse(body) as Omit<JournalEntry, 't'>;
        record({ ...e, t: Date.now() });
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    entries,
    record,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
