/** Requests by method and path (names of events, Jobs and Pods folded), most frequent first. */
export function requestBreakdown(
  requests: readonly { method: string; path: string }[],
): [key: string, count: number][] {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const [pathOnly = '', query = ''] = r.path.split('?');
    const path = pathOnly
      .replace(/-\d{5,}(-[bn]\d+(-[a-z0-9]{5})?)?/g, '-<id>')
      .replace(/handlers-[a-z0-9]+/g, 'handlers-<hash>');
    const params = new URLSearchParams(query);
    const fold = (v: string) => v.replace(/\d{5,}(-[bn]\d+)?/g, '<id>');
    const flags = [
      params.get('watch') === 'true' || params.get('watch') === '1' ? 'watch' : '',
      params.has('labelSelector') ? `labelSelector=${fold(params.get('labelSelector')!)}` : '',
      params.has('fieldSelector') ? `fieldSelector=${fold(params.get('fieldSelector')!)}` : '',
    ].filter(Boolean);
    const key = `${r.method} ${path}${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]);
}
