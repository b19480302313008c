/**
 * Three environments of one App repository of Helm charts, as the original quickcd's
 * `examples/iks`: the same handlers file runs in every cluster, and QUICKCD_ENVIRONMENT says
 * which part of it applies there.
 *
 * - development (a test cluster): pull requests to `staging` are merged onto it in the work
 *   directory and the charts they change are deployed and tested there;
 * - staging and production: pushes to the branch of the same name deploy what they changed.
 *
 * A failed deployment is rolled back, reported on the commit, tags the commit's author and
 * committer, and fails the handler: the lane holds (deployments never overtake each other)
 * until `/quickcd retry <event-id>` or `/quickcd skip <event-id>` (the scheduler's commands).
 * On the iks flavour (IBMCLOUD_API_KEY set) each run logs in to IBM Cloud first.
 *
 * APP_SOURCE clones the App repository from elsewhere than GitHub (a mirror, or a local path
 * to try it out); CD_CHARTS_DEBUG=true renders and diffs without deploying.
 */
import { isTrustedAuthor, on, type CommentLog, type HandlerContext } from 'quickcd';
import { deployPullRequest, deployPush, iksInit, type KdepOptions } from 'quickcd/kdep';

const environment = process.env.QUICKCD_ENVIRONMENT ?? process.env.CD_ENVIRONMENT;

const kdepOptions = (ctx: HandlerContext): KdepOptions => ({
  ...(ctx.env.vars.APP_SOURCE ? { source: ctx.env.vars.APP_SOURCE } : {}),
});

/** Runs a deployment; on failure tags the commit's author and committer, then fails. */
async function deploying(ctx: HandlerContext, sha: string, deploy: () => Promise<unknown>) {
  const log = ctx.commitLogger(sha);
  if (ctx.env.vars.IBMCLOUD_API_KEY) await iksInit(ctx, log);
  try {
    await deploy();
  } catch (error) {
    await tagPeople(ctx, log, sha);
    throw error;
  }
}

async function tagPeople(ctx: HandlerContext, log: CommentLog, sha: string): Promise<void> {
  const { owner, name } = ctx.env.repo;
  const commit = await ctx.github.rest.repos
    .getCommit({ owner, repo: name, ref: sha })
    .catch(() => undefined);
  const people = new Set(
    [commit?.data.author?.login, commit?.data.committer?.login].filter((l) => l !== undefined),
  );
  if (people.size > 0) {
    log.markdown(`${[...people].map((p) => `@${p}`).join(', ')}: this deployment failed.`);
  }
}

if (environment === 'development') {
  on(
    'PullRequestEvent',
    async function deployPullRequestToTestCluster(payload, ctx) {
      await deploying(ctx, payload.pull_request.head.sha, () =>
        deployPullRequest(payload, ctx, kdepOptions(ctx)),
      );
    },
    {
      // never hand a fork's charts the cluster's credentials
      filter: (p, e) =>
        p.pull_request.base.ref === 'staging' &&
        ['opened', 'reopened', 'synchronize'].includes(p.action) &&
        p.pull_request.head.repo?.id === e.repo.id,
    },
  );
}

for (const branch of ['staging', 'production']) {
  if (environment !== branch) continue;
  on(
    'PushEvent',
    async function deployBranch(payload, ctx) {
      await deploying(ctx, payload.head, () => deployPush(payload, ctx, kdepOptions(ctx)));
    },
    { filter: (p) => p.ref === `refs/heads/${branch}` },
  );
}

const HELP = [
  '/quickcd help: this list',
  '/quickcd retry <event-id> [force]: run a failed deployment again (the scheduler answers)',
  '/quickcd skip <event-id>: give up on a failed deployment and free the lane (the scheduler answers)',
].join('\n');

on(
  'CommitCommentEvent',
  async function chatOps(payload, ctx) {
    const { comment } = payload;
    const command = comment.body.trim().split(/\s+/)[1] ?? 'help';
    const log = ctx.commitLogger(comment.commit_id);
    if (!isTrustedAuthor(comment.author_association)) {
      log('Ignored', `@${comment.user.login} may not run quickcd commands.`);
      return;
    }
    if (command === 'skip' || command === 'retry') return; // built into the scheduler
    if (command !== 'help') log(`Unknown command "${command}"`);
    log(`Commands (${environment ?? 'no environment'})`, HELP);
  },
  { blocking: false, filter: (p) => p.comment.body.trimStart().startsWith('/quickcd') },
);
