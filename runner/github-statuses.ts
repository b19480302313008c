import type { Octokit } from '@octokit/rest';
import { QuickcdError, errorMessage } from '../common/errors.js';
import type { Redact } from '../common/redact.js';
import type { CommitState, CommitStatus } from '../handlers/context.js';
import type { RepoRef } from './github-comments.js';

/** GitHub refuses longer status descriptions. */
export const STATUS_DESCRIPTION_LIMIT = 140;

export function truncateDescription(text: string, limit = STATUS_DESCRIPTION_LIMIT): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

export async function writeCommitStatus(
  github: Octokit,
  repo: RepoRef,
  status: {
    sha: string;
    state: CommitState;
    description?: string;
    targetUrl?: string;
    context: string;
  },
  redact: Redact,
): Promise<void> {
  await github.rest.repos.createCommitStatus({
    owner: repo.owner,
    repo: repo.name,
    sha: status.sha,
    state: status.state,
    context: redact(status.context),
    ...(status.description === undefined
      ? {}
      : { description: truncateDescription(redact(status.description)) }),
    ...(status.targetUrl === undefined ? {} : { target_url: redact(status.targetUrl) }),
  });
}

/** The latest status of `context` on the commit (from the combined status), if any. */
export async function readCommitStatus(
  github: Octokit,
  repo: RepoRef,
  sha: string,
  context: string,
): Promise<CommitStatus | undefined> {
  try {
    const { data } = await github.rest.repos.getCombinedStatusForRef({
      owner: repo.owner,
      repo: repo.name,
      ref: sha,
      per_page: 100,
    });
    const found = data.statuses.find((s) => s.context === context);
    return found
      ? {
          state: found.state as CommitState,
          description: found.description ?? null,
          targetUrl: found.target_url ?? null,
          context: found.context,
        }
      : undefined;
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return undefined;
    throw new QuickcdError(
      'GITHUB_FAILED',
      `Could not read the commit status [${context}] of ${sha.slice(0, 12)}: ${errorMessage(error)}`,
      { sha, context, cause: error },
    );
  }
}
