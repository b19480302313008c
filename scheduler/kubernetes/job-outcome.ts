import type { V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import { lastLines } from '../../common/last-lines.js';
import { parseRunResult } from '../../common/run-result.js';
import type { RunOutcome } from '../ports/executor.js';

function condition(job: V1Job, type: 'Complete' | 'Failed'): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** A Job is finished when it has a Complete or Failed condition that is True. */
export function jobFinished(job: V1Job): boolean {
  return condition(job, 'Complete') !== undefined || condition(job, 'Failed') !== undefined;
}

/**
 * `running`, `succeeded`, `handler failed`, `failed (DeadlineExceeded)`… for people (`quickcd
 * logs`). With `backoffLimit: 0` the Job controller's `BackoffLimitExceeded` only means that the
 * runner exited non-zero: some handler failed.
 */
export function jobStatusText(job: V1Job): string {
  if (condition(job, 'Complete')) return 'succeeded';
  const failed = condition(job, 'Failed');
  if (failed?.reason === 'BackoffLimitExceeded') return 'handler failed';
  if (failed) return `failed${failed.reason ? ` (${failed.reason})` : ''}`;
  return (job.status?.active ?? 0) > 0 ? 'running' : 'pending';
}

/** The Pod that ran last (a Job with backoffLimit 0 has one, unless it was deleted). */
export function lastPod(pods: readonly V1Pod[]): V1Pod | undefined {
  const time = (p: V1Pod): number => new Date(p.metadata?.creationTimestamp ?? 0).getTime();
  return [...pods].sort((a, b) => time(a) - time(b)).at(-1);
}

/**
 * The outcome of a finished Job: ok when Complete; the per-handler results from the runner's
 * termination message; the reason of a failure as a whole (deadline, OOM, image pull…).
 */
export function jobOutcome(job: V1Job, pods: readonly V1Pod[]): RunOutcome {
  const pod = lastPod(pods);
  const container = pod?.status?.containerStatuses?.[0];
  const terminated = container?.state?.terminated;
  const results = terminated?.message ? parseRunResult(terminated.message)?.results : undefined;
  if (condition(job, 'Complete')) return { ok: true, results };

  const reasons: string[] = [];
  const failed = condition(job, 'Failed');
  // BackoffLimitExceeded only says "the Pod failed": the Pod tells why.
  if (failed?.reason === 'DeadlineExceeded') {
    // The Job controller deletes the active Pod at the deadline: what the runner wrote is
    // usually gone with it, so the Job's condition is all that is left to say why.
    const seconds = job.spec?.activeDeadlineSeconds;
    reasons.push(
      `DeadlineExceeded: the run passed its deadline${seconds === undefined ? '' : ` of ${seconds} s`} (activeDeadlineSeconds: the handlers' timeoutSeconds plus a margin) and the Job controller stopped its Pod${results ? '' : ', so no per-handler result was recorded'}`,
    );
  } else if (failed && failed.reason !== 'BackoffLimitExceeded') {
    reasons.push(`${failed.reason ?? 'Failed'}: ${failed.message ?? 'the Job failed'}`);
  }
  const waiting = container?.state?.waiting;
  if (!terminated && waiting?.reason) {
    reasons.push(
      `the runner never started (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''})`,
    );
  }
  if (terminated) {
    // A deadline is a condition of the Job, never a container's reason (the kubelet says Error).
    const known = terminated.reason && !['Error', 'Completed'].includes(terminated.reason);
    if (known)
      reasons.push(`the runner was ${terminated.reason} (exit code ${terminated.exitCode})`);
    else if (!results) {
      // terminationMessagePolicy FallbackToLogsOnError: the message is the end of its log.
      const said = lastLines(terminated.message ?? '');
      reasons.push(
        `the runner exited with code ${terminated.exitCode} without a result${said ? `; its last lines:\n${said}` : ''}`,
      );
    }
  } else if (!pod && reasons.length === 0) {
    reasons.push('the Job failed and its Pod is gone');
  }
  return {
    ok: false,
    results,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
  };
}
