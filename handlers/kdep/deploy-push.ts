import { QuickcdError } from '../../common/errors.js';
import type { HandlerContext } from '../context.js';
import type { PullRequestEventPayload, PushEventPayload } from '../payloads.js';
import { checkoutPullRequest, checkoutPush, type Revisions } from './checkout.js';
import { deployCharts, type DeployResult } from './deploy-charts.js';
import { resolveKdepOptions, type KdepOptions } from './kdep-options.js';

/**
 * Deploys the charts a push changed (`before..head`), reporting on the pushed commit. Throws
 * `KDEP_DEPLOY_FAILED` (after rolling back and reporting) when the deployment failed, so the
 * handler fails and the lane holds until a retry or `/quickcd skip`.
 */
export async function deployPush(
  payload: Pick<PushEventPayload, 'before' | 'head'>,
  ctx: HandlerContext,
  options: KdepOptions = {},
): Promise<DeployResult> {
  return run(ctx, payload.head, options, (sh, source) => checkoutPush(sh, source, payload));
}

/**
 * Deploys the charts a pull request would change: its head merged onto its base in the work
 * directory (a fork's head fetched from the fork). A merge conflict is reported as such on
 * the head commit (status `failure` "Merge conflict") and thrown (`KDEP_MERGE_CONFLICT`).
 */
export async function deployPullRequest(
  payload: Pick<PullRequestEventPayload, 'pull_request'>,
  ctx: HandlerContext,
  options: KdepOptions = {},
): Promise<DeployResult> {
  const pr = payload.pull_request;
  const fork = pr.head.repo?.full_name;
  const headSource =
    ctx.env.fromFork && typeof fork === 'string' && options.source === undefined
      ? `${new URL(ctx.env.repoUrl).origin}/${fork}.git`
      : undefined;
  return run(ctx, pr.head.sha, options, (sh, source) =>
    checkoutPullRequest(sh, source, pr, headSource ?? source),
  );
}

async function run(
  ctx: HandlerContext,
  head: string,
  options: KdepOptions,
  checkout: (sh: HandlerContext['sh'], source: string) => Promise<Revisions>,
): Promise<DeployResult> {
  const log = ctx.commitLogger(head);
  const sh = ctx.loggingShell(log);
  const resolved = resolveKdepOptions(options, ctx.env.vars, ctx.sh);
  let revisions: Revisions;
  try {
    revisions = await checkout(sh, options.source ?? ctx.env.repoUrl);
  } catch (e) {
    if (e instanceof QuickcdError && e.code === 'KDEP_MERGE_CONFLICT') {
      log('Merge conflict', e.message);
      await ctx.setCommitStatus(head, 'failure', 'Merge conflict', log, resolved.statusContext);
    }
    throw e;
  }
  const result = await deployCharts({
    ctx,
    log,
    sh,
    root: ctx.workdir,
    revisions,
    options: resolved,
  });
  if (!result.ok) {
    throw new QuickcdError(
      'KDEP_DEPLOY_FAILED',
      `Deployment of ${head.slice(0, 7)} failed while ${result.failedAt ?? '?'}: ${result.error ?? ''} (${result.rolledBack ? 'rolled back' : 'could not roll back'})`,
      { failedAt: result.failedAt },
    );
  }
  return result;
}
