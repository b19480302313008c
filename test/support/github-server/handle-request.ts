import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { identify } from './auth.js';
import { faultResponse, type Fault, type FaultStore } from './faults.js';
import { githubError, readBody, type RouteResponse } from './http-util.js';
import { checkAppJwt } from './jwt.js';
import { consumeRateLimit, rateLimitHeaders } from './rate-limit.js';
import type { Router } from './router.js';
import type { ServerState } from './state.js';
import type { RecordedRequest } from './types.js';

export interface RequestDeps {
  state: ServerState;
  router: Router;
  faults: FaultStore;
  requests: RecordedRequest[];
  /** Waits `ms` (cut short when the server closes). */
  sleep: (ms: number) => Promise<void>;
}

interface ParsedRequest {
  method: string;
  url: URL;
  /** The pathname without a GitHub Enterprise `/api/v3` prefix. */
  route: string;
  body: unknown;
  bodyError: boolean;
}

async function parse(deps: RequestDeps, req: IncomingMessage): Promise<ParsedRequest> {
  const method = (req.method ?? 'GET').toUpperCase();
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(req.url ?? '/', deps.state.baseUrl);
  }
  const text = await readBody(req);
  let body: unknown;
  let bodyError = false;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      bodyError = true;
    }
  }
  const route = url.pathname.replace(/^\/api\/v3(?=\/|$)/, '') || '/';
  return { method, url, route, body, bodyError };
}

async function dispatch(
  deps: RequestDeps,
  req: IncomingMessage,
  parsed: ParsedRequest,
): Promise<RouteResponse> {
  const { state } = deps;
  if (parsed.bodyError) return githubError(400, 'Problems parsing JSON');
  const caller = identify(state, req.headers.authorization);
  if (caller.kind === 'invalid') return githubError(401, 'Bad credentials');
  const match = deps.router.match(parsed.method, parsed.route);
  if (!match) return githubError(404, 'Not Found');
  const { route, params } = match;
  let appId: string | undefined;
  if (route.access === 'app') {
    if (caller.kind === 'anonymous') return githubError(401, 'Requires authentication');
    if (caller.kind !== 'jwt') return githubError(401, 'A JSON web token could not be decoded');
    const check = checkAppJwt(state, caller.jwt);
    if (!check.ok) return githubError(401, check.message);
    appId = check.appId;
  } else if (caller.kind === 'jwt') {
    return githubError(401, 'Bad credentials');
  } else if (caller.kind === 'anonymous' && route.access === 'user') {
    return githubError(401, 'Requires authentication');
  }
  const ctx = { state, method: parsed.method, params, url: parsed.url, body: parsed.body, caller };
  return route.handler(appId === undefined ? ctx : { ...ctx, appId });
}

/** Whether `If-None-Match` names `etag` (weak comparison, lists and `*` allowed). */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

/**
 * Answers one request: faults first, then authentication, routing and the handler; a weak
 * `ETag` on every 200 GET and `304` (no rate limit cost) when `If-None-Match` matches it; the
 * rate limit and common headers; the request recorded.
 */
export async function handleRequest(
  deps: RequestDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const at = new Date();
  const parsed = await parse(deps, req);
  const { method, url, route } = parsed;
  const fault: Fault | undefined =
    deps.faults.take(method, route) ??
    (route === url.pathname ? undefined : deps.faults.take(method, url.pathname));
  if (fault?.kind === 'delay') await deps.sleep(fault.ms);
  let response: RouteResponse;
  try {
    response = (fault && faultResponse(deps.state, fault)) ?? (await dispatch(deps, req, parsed));
  } catch (error) {
    response = githubError(500, `Server Error: ${String(error)}`);
  }
  let { status, body } = response;
  const headers: Record<string, string> = { ...response.headers };
  if (method === 'GET' && status === 200 && body !== undefined) {
    const hash = createHash('sha256')
      .update(`${url.pathname}?${url.search}\n${JSON.stringify(body)}`)
      .digest('hex');
    headers.etag = `W/"${hash.slice(0, 40)}"`;
    if (etagMatches(req.headers['if-none-match'], headers.etag)) {
      status = 304;
      body = undefined;
    }
  }
  if (status !== 304 && route !== '/rate_limit') consumeRateLimit(deps.state);
  let payload = body === undefined ? '' : JSON.stringify(body);
  if (fault?.kind === 'malformed-json') {
    status = 200;
    payload = payload.length > 2 ? payload.slice(0, Math.floor(payload.length / 2)) : '[{"id":';
  }
  const allHeaders: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28',
    'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
    vary: 'Accept, Authorization, Cookie, X-GitHub-OTP',
    ...rateLimitHeaders(deps.state),
    ...headers,
  };
  if (status !== 304 && status !== 204)
    allHeaders['content-length'] = String(Buffer.byteLength(payload));
  deps.requests.push({
    method,
    path: req.url ?? '/',
    status,
    requestHeaders: { ...req.headers },
    body: parsed.body,
    at,
  });
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, allHeaders);
  res.end(status === 304 || status === 204 ? undefined : payload);
}
