import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../../common/errors.js';
import type { CommentLog, HandlerContext } from '../context.js';
import type { Shell } from '../shell.js';
import { changedCharts } from './changed-charts.js';
import { statusTable, type ChartOutcome } from './chart-outcome.js';
import type { Revisions } from './checkout.js';
import type { ResolvedKdepOptions } from './kdep-options.js';
import type { Values } from './merge-values.js';
import { provisionSecrets } from './provision-secrets.js';
import { readChart, type ChartInfo } from './read-chart.js';
import { releaseState } from './release-state.js';
import type { SecretSource } from './secret-source.js';
import { rollbackCharts } from './rollback-charts.js';
import { runIntegrationTest, type IntegrationTestResult } from './run-integration-test.js';

export interface DeployResult {
  readonly ok: boolean;
  /** The stage that failed. */
  readonly failedAt?: 'reading charts' | 'deploying' | 'testing';
  readonly error?: string;
  readonly charts: readonly ChartOutcome[];
  readonly tests: readonly IntegrationTestResult[];
  /** After a failure: every chart touched was rolled back (or uninstalled). */
  readonly rolledBack?: boolean;
  readonly dryRun: boolean;
}

/**
 * The pipeline, in the App repository checked out in `root`: the charts `base..merge` changed,
 * each enabled one upgraded (`helm upgrade --install --atomic`) in its namespace, then their
 * integration-test charts run; on any failure everything upgraded is rolled back. Each stage
 * is a comment section, with a status table at the end; the commit `head` gets statuses
 * `pending` (deploying, testing) then `success` or `failure`. Never throws for a failed
 * deployment: the result says what happened.
 */
export async function deployCharts(args: {
  readonly ctx: HandlerContext;
  readonly log: CommentLog;
  readonly sh: Shell;
  readonly root: string;
  readonly revisions: Revisions;
  readonly options: ResolvedKdepOptions;
}): Promise<DeployResult> {
  const { ctx, log, sh, root, revisions, options } = args;
  const { dryRun, environment, region } = options;
  const status = (state: 'pending' | 'success' | 'failure', description: string) =>
    ctx.setCommitStatus(revisions.head, state, description, log, options.statusContext);
  const outcomes: ChartOutcome[] = [];
  const tests: IntegrationTestResult[] = [];
  const secrets = lazySource(options);
  const tmp = await mkdtemp(join(tmpdir(), 'quickcd-kdep-'));
  const valuesFile = async (chart: ChartInfo, values: Values) => {
    const file = join(tmp, `${chart.name}.values.json`);
    await writeFile(file, JSON.stringify(values, null, 2));
    return file;
  };
  const prepare = async (chart: ChartInfo) => {
    const { values } = await provisionSecrets({
      sh,
      log,
      values: chart.values,
      namespace: chart.namespace,
      source: secrets,
      dryRun,
      chart: chart.name,
      ...(options.createNamespaces
        ? {
            beforeCreate: () =>
              sh`kubectl create namespace ${chart.namespace} --dry-run=client -o json | kubectl apply -f -`,
          }
        : {}),
    });
    return valuesFile(chart, values);
  };
  let stage: NonNullable<DeployResult['failedAt']> = 'reading charts';
  const where = { environment, region };
  const createNamespace = options.createNamespaces ? ['--create-namespace'] : [];
  try {
    await status('pending', dryRun ? 'Dry run: rendering charts' : 'Deploying charts');
    const names = await changedCharts(sh, root, revisions.base, revisions.merge);
    const charts = names.map((name) => readChart(root, name, where));
    log(
      `Changed charts (${environment}${region ? `, ${region}` : ''}${dryRun ? ', dry run' : ''})`,
      charts.length === 0
        ? 'none'
        : charts
            .map(
              (c) =>
                `${c.name} → namespace ${c.namespace}: ${c.enabled ? 'continuous deployment enabled' : 'not enabled, skipped'} (${c.valuesFiles.join(' → ')})`,
            )
            .join('\n'),
    );
    for (const c of charts) {
      outcomes.push({
        chart: c.name,
        namespace: c.namespace,
        status: c.enabled ? 'ready' : 'skipped',
        lastRevision: undefined,
        note: c.enabled ? '' : 'continuousDeployment.enabled is not true',
      });
    }
    stage = 'deploying';
    const enabled = charts.filter((c) => c.enabled);
    for (const chart of enabled) {
      const outcome = outcomes.find((o) => o.chart === chart.name)!;
      const state = await releaseState(sh, chart.name, chart.namespace);
      outcome.lastRevision = state.lastDeployed;
      const file = await prepare(chart);
      if (dryRun) {
        await renderAndDiff(sh, chart, file, state.exists, tmp);
        outcome.status = 'rendered';
        outcome.note = 'dry run: rendered and diffed, not deployed';
        continue;
      }
      log(`${state.exists ? 'Upgrading' : 'Installing'} ${chart.name}`);
      try {
        await sh`helm upgrade --install ${chart.name} ${chart.dir} --namespace ${chart.namespace} ${createNamespace} --atomic --timeout ${`${options.helmTimeoutSeconds}s`} -f ${file}`;
      } catch (e) {
        outcome.status = 'failed';
        outcome.note = errorMessage(e).split('\n')[0] ?? 'upgrade failed';
        throw e;
      }
      const after = await releaseState(sh, chart.name, chart.namespace);
      outcome.status = state.lastDeployed === undefined ? 'installed' : 'upgraded';
      outcome.note = `now revision ${after.lastDeployed ?? '?'}`;
    }
    stage = 'testing';
    const testNames = [...new Set(enabled.flatMap((c) => c.integrationTests))];
    if (testNames.length > 0) {
      await status(
        'pending',
        `${dryRun ? 'Dry run: rendering' : 'Testing'}: ${testNames.join(', ')}`,
      );
    }
    for (const name of testNames) {
      const chart = readChart(root, name, where);
      const file = await prepare(chart);
      if (dryRun) {
        await sh`helm template ${name} ${chart.dir} --namespace ${chart.namespace} -f ${file}`;
        tests.push({ chart: name, release: name, ok: true, message: 'dry run: rendered' });
        continue;
      }
      const result = await runIntegrationTest({
        sh,
        log,
        chart: name,
        dir: chart.dir,
        namespace: chart.namespace,
        valuesFile: file,
        timeoutSeconds: options.testTimeoutSeconds,
        createNamespace: options.createNamespaces,
      });
      tests.push(result);
      log(`${result.ok ? '✅' : '❌'} ${name}: ${result.message}`);
      if (!result.ok) throw new Error(`integration test ${name}: ${result.message}`);
    }
    const n = outcomes.filter((o) => o.status !== 'skipped').length;
    const description = dryRun
      ? `Dry run: ${n} chart(s) rendered, nothing changed`
      : `Deployed ${n} chart(s)${testNames.length ? ', tests passed' : ''}`;
    log('Result: OK', description);
    log.markdown(statusTable(outcomes));
    await status('success', description);
    return { ok: true, charts: outcomes, tests, dryRun };
  } catch (e) {
    const error = errorMessage(e);
    log(`Failed while ${stage}`, error);
    const touched = outcomes.some((o) => ['upgraded', 'installed', 'failed'].includes(o.status));
    let rolledBack = true;
    if (touched) {
      await status('failure', `Failed while ${stage}: rolling back`);
      log('Rolling back');
      rolledBack = await rollbackCharts(sh, log, outcomes, options.helmTimeoutSeconds);
    }
    const description = !touched
      ? `Failed while ${stage}: no changes made to the cluster`
      : rolledBack
        ? `Failed while ${stage}: rolled back`
        : `Failed while ${stage}: could not roll back`;
    log(`Result: failure`, description);
    log.markdown(statusTable(outcomes));
    await status('failure', description);
    return { ok: false, failedAt: stage, error, charts: outcomes, tests, rolledBack, dryRun };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The secrets source, made when a chart first needs it (so charts without secrets need none). */
function lazySource(options: ResolvedKdepOptions): SecretSource {
  let source: SecretSource | undefined;
  const get = () => (source ??= options.secrets());
  return {
    get description() {
      return get().description;
    },
    read: (reference, namespace) => get().read(reference, namespace),
  };
}

/** Dry run: `helm template` of the chart diffed (`diff -u`) against what is deployed. */
async function renderAndDiff(
  sh: Shell,
  chart: ChartInfo,
  valuesFile: string,
  exists: boolean,
  tmp: string,
): Promise<void> {
  const deployed = join(tmp, `${chart.name}.deployed.yaml`);
  const rendered = join(tmp, `${chart.name}.rendered.yaml`);
  if (exists)
    await sh`helm get manifest ${chart.name} --namespace ${chart.namespace} > ${deployed}`;
  else await writeFile(deployed, '');
  await sh`helm template ${chart.name} ${chart.dir} --namespace ${chart.namespace} -f ${valuesFile} > ${rendered}`;
  await sh`diff -u --label ${`${chart.name} (deployed)`} --label ${`${chart.name} (rendered)`} ${deployed} ${rendered} || test $? -eq 1`;
}
