import type { Fault, GitHubTestServer } from '../../support/github-server/index.js';
import type { Rng } from './create-rng.js';

/** Faults drawn from the seed and injected into the GitHub API test server until stopped. */
export interface Chaos {
  /** Injected faults by kind. */
  readonly counts: Record<string, number>;
  /** Stops injecting and removes the faults still pending. */
  stop(): void;
}

function draw(rng: Rng, repos: readonly string[]): Fault {
  const repo = rng.pick(repos);
  const path = rng.pick([
    new RegExp(`^/repos/${repo}/events`),
    new RegExp(`^/repos/${repo}/(comments|commits/[^/]+/comments)`),
    new RegExp(`^/repos/${repo}/statuses/`),
    new RegExp(`^/repos/${repo}/`),
  ]);
  const times = rng.int(1, 3);
  switch (rng.pick(['5xx', '403', '429', 'slow', 'malformed'] as const)) {
    case '5xx':
      return { kind: 'status', status: rng.pick([500, 502, 503]), path, times };
    case '403':
      return { kind: 'secondary-rate-limit', retryAfter: rng.int(1, 2), path, times };
    case '429':
      return { kind: 'rate-limit-429', retryAfter: 1, path, times };
    case 'slow':
      return { kind: 'delay', ms: rng.int(300, 3000), path, times };
    case 'malformed':
      return { kind: 'malformed-json', method: 'GET', path, times: 1 };
  }
}

const label = (f: Fault) =>
  f.kind === 'status'
    ? `${f.status}`
    : f.kind === 'secondary-rate-limit'
      ? '403 secondary (Retry-After)'
      : f.kind;

/**
 * Every [min, max] ms, one fault for the next 1–3 matching requests: GitHub 5xx, the 403
 * secondary rate limit and 429 with `Retry-After`, slow and malformed (truncated JSON) answers,
 * on the events listing, comments, statuses or anything of a repository.
 */
export function startGitHubChaos(
  github: GitHubTestServer,
  rng: Rng,
  repos: readonly string[],
  everyMs: readonly [number, number],
): Chaos {
  const counts: Record<string, number> = {};
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const fault = draw(rng, repos);
    github.fault(fault);
    counts[label(fault)] = (counts[label(fault)] ?? 0) + 1;
    timer = setTimeout(tick, rng.int(everyMs[0], everyMs[1]));
  };
  timer = setTimeout(tick, rng.int(everyMs[0], everyMs[1]));
  return {
    counts,
    stop() {
      clearTimeout(timer);
      github.clearFaults();
    },
  };
}
