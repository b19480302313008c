import { QuickcdError } from '../../common/errors.js';
import type { PullRequest } from '../payloads.js';
import type { Shell } from '../shell.js';
import { CommandError } from '../command-error.js';

/** What to deploy: `git diff base..merge` says which charts; `head` is the commit reported on. */
export interface Revisions {
  readonly base: string | undefined;
  readonly head: string;
  /** The tree deployed: `head` for a push, the merge of head onto base for a pull request. */
  readonly merge: string;
}

const IDENTITY = ['-c', 'user.name=quickcd', '-c', 'user.email=quickcd@localhost'];

/** Clones `source` into the shell's directory and checks out the pushed commit. */
export async function checkoutPush(
  sh: Shell,
  source: string,
  push: { before: string; head: string },
): Promise<Revisions> {
  await sh`git clone --quiet ${source} .`;
  await sh`git -c advice.detachedHead=false checkout --quiet ${push.head}`;
  return { base: push.before, head: push.head, merge: push.head };
}

/**
 * Clones the pull request's base branch and merges its head onto it (`--no-ff`), as merging
 * it would. A merge conflict is a {@link QuickcdError} `KDEP_MERGE_CONFLICT` naming the files.
 * `headSource` is where the head lives (default `source`; a fork's clone URL).
 */
export async function checkoutPullRequest(
  sh: Shell,
  source: string,
  pr: Pick<PullRequest, 'number' | 'head' | 'base'>,
  headSource = source,
): Promise<Revisions> {
  await sh`git clone --quiet --branch ${pr.base.ref} ${source} .`;
  await sh`git fetch --quiet ${headSource} ${pr.head.ref}`;
  try {
    await sh`git ${IDENTITY} merge --no-edit --no-ff ${pr.head.sha}`;
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    const conflicted = await sh`git diff --name-only --diff-filter=U`.catch(() => '');
    if (!conflicted) throw e;
    const files = conflicted.split('\n');
    throw new QuickcdError(
      'KDEP_MERGE_CONFLICT',
      `Pull request #${pr.number} does not merge onto ${pr.base.ref}: conflict in ${files.join(', ')} (rebase it or resolve the conflict)`,
      { files },
    );
  }
  return { base: pr.base.sha, head: pr.head.sha, merge: await sh`git rev-parse HEAD` };
}
