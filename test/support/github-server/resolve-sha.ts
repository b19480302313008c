import type { RepoState } from './state.js';

/**
 * The full sha a commit reference names, or undefined when it is not 7–40 hex digits (GitHub
 * then answers 422 `No commit found for SHA`). Every such sha "exists". A short sha resolves to
 * a full one already used in the repository (statuses, commit comments), else to itself padded
 * with zeros.
 */
export function resolveSha(repo: RepoState, ref: string): string | undefined {
  if (!/^[0-9a-f]{7,40}$/i.test(ref)) return undefined;
  const sha = ref.toLowerCase();
  if (sha.length === 40) return sha;
  const known = [...repo.statuses.keys(), ...repo.commitComments.map((c) => c.commit_id)];
  return known.find((k) => k.startsWith(sha)) ?? sha.padEnd(40, '0');
}
