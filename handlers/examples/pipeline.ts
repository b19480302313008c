/**
 * A git-ops pipeline: every push to main is checked out in a fresh directory and deployed;
 * the log (each command and its output) becomes a comment on the commit, and the commit gets
 * a status. Pull requests get their checks run and reported on the pull request.
 *
 * Set PIPELINE_SOURCE to clone from elsewhere than the event's repository (a mirror, or a
 * local path to try the pipeline offline: `npm start` clones this checkout). A dry run
 * (`quickcd run` without --github) and no PIPELINE_SOURCE clones nothing: no network needed.
 */
import { on } from 'quickcd';

on(
  'PushEvent',
  async function deploy(payload, ctx) {
    const log = ctx.commitLogger(payload.head);
    const sh = ctx.loggingShell(log);
    log('Event', JSON.stringify(payload, null, 2));
    await ctx.setCommitStatus(payload.head, 'pending', 'Deploying');
    const source = ctx.env.vars.PIPELINE_SOURCE ?? (ctx.env.dryRun ? undefined : ctx.env.repoUrl);
    if (source === undefined) {
      await sh`echo would clone ${ctx.env.repoUrl} and deploy ${payload.head}`;
      log('Dry run', 'Nothing cloned: set PIPELINE_SOURCE to a clone (npm start uses this one).');
      await ctx.setCommitStatus(payload.head, 'success', 'Deployed (dry run)', log);
      return;
    }
    await sh`git clone --quiet ${source} .`; // interpolations are shell-quoted
    await sh`git -c advice.detachedHead=false checkout --quiet ${payload.head}`;
    const subject = await sh`git log -1 --format=%s`;
    // A real deployment goes here, e.g. with the kdep image: sh`kdep -a ./deploy/${env}`.
    await sh`ls -1 | head -n 20`;
    log('Deployed', `${payload.head.slice(0, 7)} ${subject}`);
    await ctx.setCommitStatus(payload.head, 'success', 'Deployed', log);
  },
  { filter: (p) => p.ref === 'refs/heads/main' },
);

on(
  'PullRequestEvent',
  async function checks(payload, ctx) {
    const pr = payload.pull_request;
    const log = ctx.prLogger(payload.number);
    const sh = ctx.loggingShell(log);
    await ctx.setCommitStatus(pr.head.sha, 'pending', 'Checking');
    // Events from forks are marked: never hand a fork's code the cluster's credentials.
    if (ctx.env.fromFork) {
      log(
        'Skipped',
        `Pull request from fork ${pr.head.repo?.full_name ?? '?'}: checks need a maintainer.`,
      );
      await ctx.setCommitStatus(pr.head.sha, 'success', 'Fork: skipped', log);
      return;
    }
    await sh`echo checking ${pr.title}`;
    await ctx.setCommitStatus(pr.head.sha, 'success', 'Checks passed', log);
  },
  { filter: (p) => ['opened', 'synchronize', 'reopened'].includes(p.action), blocking: false },
);
