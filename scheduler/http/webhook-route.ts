import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../common/logger.js';

export interface WebhookRoute {
  readonly method: 'POST';
  readonly path: '/webhook';
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

const MAX_BODY = 25 * 1024 * 1024; // GitHub caps deliveries at 25 MB
const REMEMBERED = 1000;

/**
 * `POST /webhook` (issue 14, item 5): a GitHub delivery whose `X-Hub-Signature-256` is the
 * HMAC-SHA256 of its body under `QUICKCD_WEBHOOK_SECRET` (compared in constant time) nudges the
 * fast sources of its repository to poll at once. The payload is never the record: it only
 * names the repository, so a forged delivery is refused (401), and a lost or replayed one
 * changes nothing (a replayed `X-GitHub-Delivery` is acknowledged without a nudge).
 */
export function createWebhookRoute(options: {
  readonly secret: string;
  /** The configured repositories (`owner/name`): a delivery for another is ignored. */
  readonly repos: readonly string[];
  readonly nudge: (repo: string) => void;
  readonly log: Logger;
}): WebhookRoute {
  const { log } = options;
  const repos = new Map(options.repos.map((r) => [r.toLowerCase(), r]));
  const seen = new Set<string>();
  const answer = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message }));
  };

  return {
    method: 'POST',
    path: '/webhook',
    async handle(req, res) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY) return answer(res, 413, 'delivery too large');
        chunks.push(chunk);
      }
      const body = Buffer.concat(chunks);
      const header = req.headers['x-hub-signature-256'];
      const expected = Buffer.from(
        `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`,
      );
      const given = Buffer.from(typeof header === 'string' ? header : '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        log.warn(
          { delivery: req.headers['x-github-delivery'] },
          'webhook delivery refused: X-Hub-Signature-256 does not match QUICKCD_WEBHOOK_SECRET',
        );
        return answer(res, 401, 'invalid X-Hub-Signature-256');
      }
      const delivery = req.headers['x-github-delivery'];
      if (typeof delivery === 'string') {
        if (seen.has(delivery)) return answer(res, 202, 'delivery already seen: nothing to do');
        seen.add(delivery);
        if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as string);
      }
      let name: unknown;
      try {
        name = (JSON.parse(body.toString('utf8')) as { repository?: { full_name?: unknown } })
          .repository?.full_name;
      } catch {
        return answer(res, 400, 'expected a JSON delivery');
      }
      const repo = typeof name === 'string' ? repos.get(name.toLowerCase()) : undefined;
      if (repo === undefined) return answer(res, 202, 'not a watched repository: ignored');
      options.nudge(repo);
      log.info(
        { repo, delivery, event: req.headers['x-github-event'] },
        'webhook nudge: polling now',
      );
      return answer(res, 202, 'polling now');
    },
  };
}
