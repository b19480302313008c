import type { V1Job } from '@kubernetes/client-node';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../common/config.js';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import { RUNNER_CONTAINER } from '../../scheduler/kubernetes/job-manifest.js';
import { jobStatusText } from '../../scheduler/kubernetes/job-outcome.js';
import { LABEL, MANAGED_BY, repoLabel } from '../../scheduler/kubernetes/names.js';
import type { Command } from '../command.js';
import { requireStateDir } from '../require-state-dir.js';
import { eventIdArgument, storeOptions, storeUsage } from './operator-store.js';

const attemptOf = (job: V1Job): number => Number(job.metadata?.labels?.[LABEL.attempt] ?? 0);
const created = (job: V1Job): number => new Date(job.metadata?.creationTimestamp ?? 0).getTime();

export const logsCommand: Command = {
  name: 'logs',
  usage: `Usage: quickcd logs <event-id> [options]

Prints, for each Job of the event (oldest attempt first), a header line
"== job/<name> (<lane>, attempt <n>, <status>) ==" and the log of its Pod; with the local
executor (--executor local, or --store file without an executor), each local run's output
from <state-dir>/runs/. Pods and Jobs are deleted ttlSecondsAfterFinished after they finish
(QUICKCD_JOB_TTL_SECONDS); the per-handler results stay with the event (quickcd events).

Options:
${storeUsage}

Exit status: 0 printed, 1 no run found, 2 bad input.`,
  positionals: true,
  options: storeOptions,
  async run({ flags, positionals, env, stdout, stderr }) {
    const eventId = eventIdArgument(positionals, 'logs');
    const config = loadConfig(env, flags);
    const executorChosen = flags.executor !== undefined || Boolean(env.QUICKCD_EXECUTOR);
    if (config.executor === 'local' || (config.store === 'file' && !executorChosen)) {
      requireStateDir(resolve(config.stateDir));
      return printLocalLogs(config.stateDir, eventId, stdout, stderr);
    }
    // Loaded only here: every other command starts without the Kubernetes client.
    const { ApiException, BatchV1Api, CoreV1Api, createKubeConfig, unreachable } =
      await import('../kubernetes-log-client.js');
    const { kubeConfig, namespace } = createKubeConfig(config);
    const batch = kubeConfig.makeApiClient(BatchV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const repo = config.repos.length === 1 ? config.repos[0]?.fullName : undefined;
    // --repo is the operator commands' filter; QUICKCD_REPO counts when it names one.
    const selector = [
      `${LABEL.managedBy}=${MANAGED_BY}`,
      `${LABEL.eventId}=${eventId}`,
      ...(repo ? [`${LABEL.repo}=${repoLabel(repo)}`] : []),
    ].join(',');

    let jobs: V1Job[];
    try {
      jobs = (await batch.listNamespacedJob({ namespace, labelSelector: selector })).items;
    } catch (error) {
      if (error instanceof ApiException) {
        throw new QuickcdError(
          'EXECUTOR_FAILED',
          `cannot list Jobs in namespace ${namespace}: ${errorMessage(error)}`,
          { cause: error },
        );
      }
      throw unreachable(`cannot reach the cluster: ${errorMessage(error)}`, error);
    }
    if (jobs.length === 0) {
      stderr(
        `quickcd logs: no Job for event ${eventId}${repo ? ` of ${repo}` : ''} in namespace ${namespace}. ` +
          'It has not run yet, or its Jobs were deleted after ttlSecondsAfterFinished ' +
          '(the per-handler results stay with the event).\n',
      );
      return 1;
    }
    jobs.sort((a, b) => attemptOf(a) - attemptOf(b) || created(a) - created(b));

    for (const job of jobs) {
      const name = job.metadata?.name ?? '';
      const lane = job.metadata?.labels?.[LABEL.lane] ?? '?';
      stdout(`== job/${name} (${lane}, attempt ${attemptOf(job)}, ${jobStatusText(job)}) ==\n`);
      const pods = (
        await core.listNamespacedPod({ namespace, labelSelector: `job-name=${name}` })
      ).items.sort(
        (a, b) =>
          new Date(a.metadata?.creationTimestamp ?? 0).getTime() -
          new Date(b.metadata?.creationTimestamp ?? 0).getTime(),
      );
      if (pods.length === 0) {
        stdout(
          '(no Pod: not started yet, or removed — Pods go with their Job after ttlSecondsAfterFinished)\n',
        );
        continue;
      }
      for (const pod of pods) {
        const podName = pod.metadata?.name ?? '';
        try {
          const log = await core.readNamespacedPodLog({
            namespace,
            name: podName,
            container: RUNNER_CONTAINER,
          });
          stdout(log.length === 0 || log.endsWith('\n') ? log : `${log}\n`);
        } catch (error) {
          const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
          stdout(
            `(no log of pod/${podName}: ${waiting?.reason ?? pod.status?.phase ?? 'unknown'}${
              error instanceof ApiException ? '' : `: ${errorMessage(error)}`
            })\n`,
          );
        }
      }
    }
    return 0;
  },
};

/** The local executor's runs of the event, oldest attempt first: `runs/<name>/output.log`. */
async function printLocalLogs(
  stateDir: string,
  eventId: string,
  stdout: (t: string) => void,
  stderr: (t: string) => void,
): Promise<number> {
  const runsDir = join(stateDir, 'runs');
  const pattern = new RegExp(`-${eventId}-([bn])(\\d+)$`);
  const runs = (await readdir(runsDir).catch(() => []))
    .map((name) => ({ name, match: pattern.exec(name) }))
    .filter((r) => r.match)
    .sort((a, b) => Number(a.match![2]) - Number(b.match![2]) || a.name.localeCompare(b.name));
  if (runs.length === 0) {
    stderr(`quickcd logs: no local run of event ${eventId} in ${runsDir}\n`);
    return 1;
  }
  for (const { name, match } of runs) {
    const lane = match![1] === 'b' ? 'blocking' : 'nonblocking';
    const exit = await readFile(join(runsDir, name, 'exit-code'), 'utf8').catch(() => undefined);
    const status = exit === undefined ? 'running' : exit.trim() === '0' ? 'succeeded' : 'failed';
    stdout(`== run/${name} (${lane}, attempt ${match![2]}, ${status}) ==\n`);
    stdout(await readFile(join(runsDir, name, 'output.log'), 'utf8').catch(() => '(no output)\n'));
  }
  return 0;
}
