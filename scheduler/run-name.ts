import { createHash } from 'node:crypto';
import type { Lane } from '../handlers/registry.js';
import { dnsSafe } from './dns-safe.js';

const MAX_LABEL = 63;

/**
 * The name of the run of (repo, event id, lane, attempt): deterministic, ≤63 characters,
 * `[a-z0-9-]`, so it is both a Kubernetes Job name (which becomes its Pods' `job-name` label)
 * and a local run directory, and a restarted scheduler finds the run it launched.
 * `quickcd-<repo>-<eventid>-b1` (blocking, attempt 1) or `…-n2`.
 */
export function runName(repo: string, eventId: string, lane: Lane, attempt: number): string {
  const suffix = `-${eventId}-${lane === 'blocking' ? 'b' : 'n'}${attempt}`;
  const room = MAX_LABEL - suffix.length;
  const prefix = `quickcd-${dnsSafe(repo.replace('/', '-'))}`;
  if (prefix.length <= room) return `${prefix}${suffix}`;
  const short = createHash('sha256').update(repo).digest('hex').slice(0, 6);
  return `${prefix.slice(0, room - short.length - 1).replace(/-+$/, '')}-${short}${suffix}`;
}
