import type { Octokit } from '@octokit/rest';
import type { CommentTarget } from './reporter.js';

export interface RepoRef {
  readonly owner: string;
  readonly name: string;
}

export interface PostedComment {
  readonly id: number;
  readonly url: string;
}

/** Creates a commit comment or a pull-request (issue) comment. */
export async function createTargetComment(
  github: Octokit,
  repo: RepoRef,
  target: CommentTarget,
  body: string,
): Promise<PostedComment> {
  const { data } =
    target.kind === 'commit'
      ? await github.rest.repos.createCommitComment({
          owner: repo.owner,
          repo: repo.name,
          commit_sha: target.sha,
          body,
        })
      : await github.rest.issues.createComment({
          owner: repo.owner,
          repo: repo.name,
          issue_number: target.number,
          body,
        });
  return { id: data.id, url: data.html_url };
}

export async function updateTargetComment(
  github: Octokit,
  repo: RepoRef,
  target: CommentTarget,
  commentId: number,
  body: string,
): Promise<void> {
  const params = { owner: repo.owner, repo: repo.name, comment_id: commentId, body };
  if (target.kind === 'commit') await github.rest.repos.updateCommitComment(params);
  else await github.rest.issues.updateComment(params);
}
