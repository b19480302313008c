import type { V1Job } from '@kubernetes/client-node';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../common/config.js';
import { QuickcdError, errorMessage } from '../../common/errors.js';
import { RUNNER_CONTAINER } from '../../scheduler/kubernetes/job-manifest.js';
import { jobStatusText } from '../../scheduler/kubernetes/job-outcome.js';
import { LABEL, MANAGED_BY, repoLabel } from '../../scheduler/kubernetes/names.js';
import { listKeptRuns, type KeptRun } from '../../scheduler/kubernetes/run-history.js';
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
from <state-dir>/runs/. Each log says what it is: "(live Pod log of pod/<name>)", or, once
ttlSecondsAfterFinished (QUICKCD_JOB_TTL_SECONDS) removed the Job and its Pod, "(kept tail: …)":
the result and the last 64 KiB of the output the scheduler kept with the event; locally
"(live output of the local run, …)" while it runs, "(kept output of the local run, all of it: …)"
after.

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
    // What was kept of each run once its Job and Pod are gone (the scheduler keeps it).
    const kept = await listKeptRuns(core, namespace, selector).catch((error: unknown) => {
      stderr(
        `quickcd logs: cannot read the kept runs of event ${eventId}: ${errorMessage(error)}\n`,
      );
      return [] as KeptRun[];
    });
    if (jobs.length === 0 && kept.length === 0) {
      stderr(
        `quickcd logs: no Job for event ${eventId}${repo ? ` of ${repo}` : ''} in namespace ${namespace}. ` +
          'It has not run yet, or its Jobs were deleted after ttlSecondsAfterFinished ' +
          '(the per-handler results stay with the event).\n',
      );
      return 1;
    }
    const keptByJob = new Map(kept.map((r) => [r.job, r]));
    const runs = [
      ...jobs.map((job) => ({
        name: job.metadata?.name ?? '',
        attempt: attemptOf(job),
        at: created(job),
        job,
      })),
      ...kept
        .filter((r) => !jobs.some((j) => j.metadata?.name === r.job))
        .map((r) => ({
          name: r.job,
          attempt: r.attempt,
          at: Date.parse(r.finishedAt),
          job: undefined,
        })),
    ].sort((a, b) => a.attempt - b.attempt || a.at - b.at);

    for (const { name, job } of runs) {
      const keptRun = keptByJob.get(name);
      if (!job) {
        printKept(keptRun!, stdout);
        continue;
      }
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
        if (keptRun) {
          stdout(keptNote(keptRun, 'its Pod is gone'));
          stdout(withNewline(keptRun.tail));
        } else {
          stdout(
            '(no Pod: not started yet, or removed — Pods go with their Job after ttlSecondsAfterFinished)\n',
          );
        }
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
          stdout(`(live Pod log of pod/${podName})\n`);
          stdout(withNewline(log));
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

const withNewline = (text: string) =>
  text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;

const keptNote = (run: KeptRun, gone: string) =>
  `(kept tail: ${run.truncated ? 'the last 64 KiB of ' : ''}the output, kept with the event; ${gone})\n`;

/** A run whose Job is gone: its kept result and output tail. */
function printKept(run: KeptRun, stdout: (t: string) => void): void {
  const codes = Object.entries(run.codes ?? {}).map(([name, code]) => `${name}: ${code}`);
  const status = run.ok
    ? 'succeeded'
    : `failed${run.reason ? `: ${run.reason}` : ''}${codes.length ? ` [${codes.join(', ')}]` : ''}`;
  stdout(`== job/${run.job} (${run.lane}, attempt ${run.attempt}, ${status}) ==\n`);
  stdout(keptNote(run, 'the Job and its Pod are gone'));
  stdout(withNewline(run.tail));
}

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
    const dir = join(runsDir, name);
    const exit = await readFile(join(dir, 'exit-code'), 'utf8').catch(() => undefined);
    const live = exit === undefined && (await runAlive(dir));
    const status = live
      ? 'running'
      : exit === undefined
        ? 'ended without an exit status'
        : exit.trim() === '0'
          ? 'succeeded'
          : 'failed';
    const file = join(dir, 'output.log');
    stdout(`== run/${name} (${lane}, attempt ${match![2]}, ${status}) ==\n`);
    const output = await readFile(file, 'utf8').catch(() => undefined);
    if (output === undefined) {
      stdout(`(no output: ${file} does not exist)\n`);
      continue;
    }
    // Which it is: the output of a run still going, or all of what a finished run wrote.
    stdout(
      live
        ? `(live output of the local run, still being written: ${file})\n`
        : `(kept output of the local run, all of it: ${file})\n`,
    );
    stdout(withNewline(output));
  }
  return 0;
}

/** Whether the process group of a local run (its `pid` file, written first) still exists. */
async function runAlive(dir: string): Promise<boolean> {
  const text = await readFile(join(dir, 'pid'), 'utf8').catch(() => undefined);
  if (text === undefined) return false;
  try {
    const pid = (JSON.parse(text) as { pid?: unknown }).pid;
    if (typeof pid !== 'number' || pid <= 0) return false;
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
