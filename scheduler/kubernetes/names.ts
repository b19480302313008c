import { createHash } from 'node:crypto';
import { dnsSafe } from '../dns-safe.js';

export { dnsSafe } from '../dns-safe.js';
/** The Job of (repo, event id, lane, attempt): the run's name ({@link runName}). */
export { runName as jobName } from '../run-name.js';

/** Labels and annotations of quickcd's objects: a stable interface users and `kubectl` rely on. */
export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  kind: 'quickcd.dev/kind',
  repo: 'quickcd.dev/repo',
  eventType: 'quickcd.dev/event-type',
  status: 'quickcd.dev/status',
  eventId: 'quickcd.dev/event-id',
  lane: 'quickcd.dev/lane',
  attempt: 'quickcd.dev/attempt',
  /** On a published handlers ConfigMap: the scheduler (its Lease name) that published it. */
  scheduler: 'quickcd.dev/scheduler',
} as const;

export const MANAGED_BY = 'quickcd';

const MAX_NAME = 253;
const MAX_LABEL = 63;

function hash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** Shortens `name` to `max` characters, keeping it unique with a hash of the whole. */
function fit(name: string, max: number, whole: string): string {
  if (name.length <= max) return name;
  const suffix = hash(whole, 8);
  return `${name.slice(0, max - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}

/** `quickcd-<owner>-<repo>` (≤253 with the suffixes quickcd adds). */
function repoPrefix(repo: string): string {
  return `quickcd-${dnsSafe(repo.replace('/', '-'))}`;
}

/** `quickcd-<owner>-<repo>-<eventid>`, ≤253 characters. */
export function eventConfigMapName(repo: string, eventId: string): string {
  const suffix = `-${eventId}`;
  return `${fit(repoPrefix(repo), MAX_NAME - suffix.length, repo)}${suffix}`;
}

/** `quickcd-<owner>-<repo>-cursor`. */
export function cursorConfigMapName(repo: string): string {
  return `${fit(repoPrefix(repo), MAX_NAME - '-cursor'.length, repo)}-cursor`;
}

/**
 * `text` as a label value (≤63, `[A-Za-z0-9._-]`, alphanumeric at both ends); past 63
 * characters shortened with a hash of `whole`, so distinct inputs stay distinct.
 */
export function labelValue(text: string, whole = text): string {
  const value = text.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (value.length <= MAX_LABEL) return value;
  const suffix = hash(whole, 8);
  return `${value.slice(0, MAX_LABEL - suffix.length - 1).replace(/[^A-Za-z0-9]+$/, '')}-${suffix}`;
}

/** `<owner>.<repo>`, label-safe (≤63, alphanumeric at both ends). */
export function repoLabel(repo: string): string {
  return labelValue(repo.replace('/', '.'), repo);
}

/**
 * Content-addressed name of the handlers ConfigMap `scheduler` (its Lease name) publishes. The
 * scheduler is part of the hash, so two schedulers in one namespace with the same file never
 * share (and never prune) each other's ConfigMap.
 */
export function handlersConfigMapName(content: string, scheduler: string): string {
  return `quickcd-handlers-${hash(`${scheduler}\n${content}`, 12)}`;
}
