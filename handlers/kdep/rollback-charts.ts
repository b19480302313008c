import { errorMessage } from '../../common/errors.js';
import type { CommentLog } from '../context.js';
import type { Shell } from '../shell.js';
import type { ChartOutcome } from './chart-outcome.js';

/**
 * Undoes what the pipeline did, last chart first: a chart it upgraded (or failed to) goes back
 * to its previous `deployed` revision; one it installed fresh is uninstalled. Every outcome
 * says what happened; returns whether everything was undone.
 */
export async function rollbackCharts(
  sh: Shell,
  log: CommentLog,
  outcomes: readonly ChartOutcome[],
  timeoutSeconds: number,
): Promise<boolean> {
  let all = true;
  const touched = outcomes.filter((o) => ['upgraded', 'installed', 'failed'].includes(o.status));
  for (const o of [...touched].reverse()) {
    const release = o.chart;
    try {
      if (o.lastRevision === undefined) {
        log(`Uninstalling ${release}`, 'it was not installed before this deployment');
        await sh`helm uninstall ${release} --namespace ${o.namespace} --ignore-not-found --wait --timeout ${`${timeoutSeconds}s`}`;
        o.status = 'uninstalled';
        o.note = 'installed by this deployment: uninstalled';
      } else {
        log(`Rolling ${release} back to revision ${o.lastRevision}`);
        await sh`helm rollback ${release} ${o.lastRevision} --namespace ${o.namespace} --wait --timeout ${`${timeoutSeconds}s`}`;
        o.status = 'rolled back';
        o.note = `rolled back to revision ${o.lastRevision}`;
      }
    } catch (e) {
      all = false;
      o.status = 'could not roll back';
      o.note = errorMessage(e).split('\n')[0] ?? 'rollback failed';
    }
  }
  return all;
}
