import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeKubernetesProtobuf } from './protobuf.js';
import { ApiError } from './status.js';

/** Largest request body accepted (the API server's limit is 3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads a request body; throws 413 when it exceeds MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) tooLarge = true;
    else chunks.push(chunk);
  }
  if (tooLarge) {
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: limit is ${MAX_BODY_BYTES}`,
    );
  }
  return Buffer.concat(chunks);
}

/**
 * Parses a JSON body; throws 415 for a protobuf/CBOR body (which this server does not speak)
 * and 400 for malformed JSON, like the API server's decoder.
 */
export function parseJson(body: Buffer, contentType = 'application/json'): unknown {
  if (/protobuf/i.test(contentType)) return decodeKubernetesProtobuf(body);
  if (/cbor/i.test(contentType)) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
    );
  }
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (e) {
    throw new ApiError(
      400,
      'BadRequest',
      `couldn't get version/kind; json parse error: ${(e as Error).message}`,
    );
  }
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

/** Writes an error as a Kubernetes Status. */
export function sendError(res: ServerResponse, error: unknown): void {
  const e =
    error instanceof ApiError
      ? error
      : new ApiError(500, 'InternalError', `Internal error occurred: ${String(error)}`);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, e.code, e.toStatus());
}

/** The reason a real API server puts in a Status for an HTTP code. */
export function reasonForCode(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Gone',
    413: 'RequestEntityTooLarge',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code] ?? 'Unknown';
}
