import type { Caller } from './auth.js';
import type { RouteResponse } from './http-util.js';
import type { ServerState } from './state.js';

/** What a route handler gets. */
export interface RouteContext {
  state: ServerState;
  method: string;
  /** Path parameters, URI-decoded. */
  params: Record<string, string>;
  /** The request URL as sent, made absolute (includes any `/api/v3` prefix). */
  url: URL;
  /** The parsed JSON body, or undefined. */
  body: unknown;
  caller: Caller;
  /** The app id of a verified JWT (routes with `app` access only). */
  appId?: string;
}

/**
 * Who may call a route: `public` also anonymous callers (reads of public repositories),
 * `user` the token or an installation token, `app` a GitHub App JWT.
 */
export type Access = 'public' | 'user' | 'app';

export interface Route {
  method: string;
  /** `/repos/:owner/:repo/events`: `:name` matches one path segment. */
  pattern: string;
  access: Access;
  handler: (ctx: RouteContext) => RouteResponse | Promise<RouteResponse>;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export interface Router {
  /** The route for method + pathname (GitHub answers 404 for anything else, whatever the method). */
  match(method: string, pathname: string): RouteMatch | undefined;
}

export function createRouter(routes: readonly Route[]): Router {
  const compiled: CompiledRoute[] = routes.map((route) => {
    const names: string[] = [];
    const source = route.pattern
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    return { ...route, names, regex: new RegExp(`^${source}/?$`) };
  });
  return {
    match(method, pathname) {
      for (const route of compiled) {
        const found = route.method === method ? route.regex.exec(pathname) : null;
        if (!found) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => {
          params[name] = safeDecode(found[i + 1] ?? '');
        });
        return { route, params };
      }
      return undefined;
    },
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
