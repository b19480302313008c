import { githubError, type RouteResponse } from './http-util.js';

export interface PageRequest {
  /** Absolute URL of the request as sent (its query is preserved in `Link`). */
  url: URL;
  /** Items past this many are not listed, and pages starting past it are refused (422). */
  window?: number;
}

export type PageResult<T> =
  | { ok: true; items: T[]; page: number; perPage: number; headers: Record<string, string> }
  | { ok: false; response: RouteResponse };

function intParam(value: string | null, fallback: number): number {
  if (value === null || !/^\d+$/.test(value.trim())) return fallback;
  return Number(value);
}

/**
 * One page of `all` by GitHub's rules: `per_page` default 30, at most 100; `page` from 1;
 * a `Link` header with `prev`/`next`/`last`/`first` (absolute URLs keeping the other query
 * parameters) when there is more than one page.
 */
export function paginate<T>(all: readonly T[], request: PageRequest): PageResult<T> {
  const query = request.url.searchParams;
  const perPage = Math.min(100, Math.max(1, intParam(query.get('per_page'), 30) || 30));
  const page = Math.max(1, intParam(query.get('page'), 1));
  const listed = request.window === undefined ? all : all.slice(0, request.window);
  if (request.window !== undefined && (page - 1) * perPage >= request.window) {
    return {
      ok: false,
      response: githubError(
        422,
        'In order to keep the API fast for everyone, pagination is limited for this resource. ' +
          'Check the rel=last link relation in the Link response header to see how far back ' +
          'you can traverse.',
        {},
        'https://docs.github.com/v3/#pagination',
      ),
    };
  }
  const items = listed.slice((page - 1) * perPage, page * perPage);
  const last = Math.max(1, Math.ceil(listed.length / perPage));
  const link = (n: number, rel: string): string => {
    const url = new URL(request.url);
    url.searchParams.set('page', String(n));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  if (page > 1) links.push(link(1, 'first'));
  const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
  return { ok: true, items, page, perPage, headers };
}
