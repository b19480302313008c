import type { IncomingMessage } from 'node:http';

/** What a route handler answers; `server.ts` adds the common headers and writes it. */
export interface RouteResponse {
  status: number;
  /** Serialised as JSON; undefined means an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export const DOCS = 'https://docs.github.com/rest';

/** GitHub's error shape: `{ message, documentation_url }` plus any extra fields. */
export function githubError(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  documentationUrl = DOCS,
): RouteResponse {
  return { status, body: { message, ...extra, documentation_url: documentationUrl } };
}

export const notFound = (): RouteResponse => githubError(404, 'Not Found');

/** `422 Validation Failed` with one error entry, as GitHub reports model validation. */
export function validationFailed(
  resource: string,
  field: string,
  message: string,
  code = 'custom',
): RouteResponse {
  return githubError(422, 'Validation Failed', {
    errors: [{ resource, code, field, message }],
  });
}

/** `422` as GitHub reports a request that fails its JSON schema. */
export function invalidRequest(detail: string): RouteResponse {
  return githubError(422, `Invalid request.\n\n${detail}`);
}

/** Reads a request body (at most `limit` bytes; more destroys the request). */
export async function readBody(req: IncomingMessage, limit = 32 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.destroy();
      throw new Error(`request body over ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GitHub's timestamp format: ISO 8601 to the second, `Z`. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A JSON object body, or undefined when it is anything else. */
export function objectBody(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : undefined;
}
