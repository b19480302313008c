import type {
  V1ContainerStateTerminated,
  V1ContainerStateWaiting,
  V1Job,
  V1Pod,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  jobFinished,
  jobOutcome,
  jobStatusText,
} from '../../../../scheduler/kubernetes/job-outcome.js';

const job = (type?: string, reason?: string, message?: string): V1Job => ({
  status: type
    ? {
        conditions: [
          { type, status: 'True', ...(reason ? { reason } : {}), ...(message ? { message } : {}) },
        ],
      }
    : { active: 1 },
});
const pod = (
  terminated: (Omit<V1ContainerStateTerminated, 'exitCode'> & { exitCode: number }) | undefined,
  waiting: V1ContainerStateWaiting = {},
): V1Pod => ({
  metadata: { name: 'p', creationTimestamp: new Date() },
  status: {
    containerStatuses: [
      {
        name: 'runner',
        image: 'x',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: terminated ? { terminated } : { waiting },
      },
    ],
  },
});
const result = JSON.stringify({
  eventId: '1',
  results: [{ name: 'deploy', lane: 'blocking', ok: false, durationMs: 5, error: 'boom' }],
});

describe('jobOutcome', () => {
  it('is finished only on a True Complete or Failed condition', () => {
    expect(jobFinished(job())).toBe(false);
    expect(jobFinished(job('FailureTarget'))).toBe(false);
    expect(jobFinished(job('Complete'))).toBe(true);
    expect(jobFinished(job('Failed'))).toBe(true);
    expect(jobFinished({ status: { conditions: [{ type: 'Complete', status: 'False' }] } })).toBe(
      false,
    );
    expect(jobStatusText(job('Failed', 'DeadlineExceeded'))).toBe('failed (DeadlineExceeded)');
    // backoffLimit is 0: the Job controller's BackoffLimitExceeded means the runner failed.
    expect(jobStatusText(job('Failed', 'BackoffLimitExceeded'))).toBe('handler failed');
    expect(jobStatusText(job())).toBe('running');
  });

  it('reads the per-handler results from the termination message', () => {
    const outcome = jobOutcome(job('Failed', 'BackoffLimitExceeded'), [
      pod({ exitCode: 1, reason: 'Error', message: result }),
    ]);
    expect(outcome).toEqual({
      ok: false,
      results: [{ name: 'deploy', lane: 'blocking', ok: false, durationMs: 5, error: 'boom' }],
    });
  });

  it('names an OOM kill, a deadline, a runner that never started, and a lost Pod', () => {
    expect(
      jobOutcome(job('Failed', 'BackoffLimitExceeded'), [
        pod({ exitCode: 137, reason: 'OOMKilled' }),
      ]).reason,
    ).toBe('the runner was OOMKilled (exit code 137)');
    const deadline = {
      ...job('Failed', 'DeadlineExceeded', 'Job was active longer than specified deadline'),
      spec: { activeDeadlineSeconds: 120, template: {} },
    };
    expect(
      jobOutcome(deadline, [
        pod(undefined, { reason: 'ImagePullBackOff', message: 'no such image' }),
      ]).reason,
    ).toBe(
      "DeadlineExceeded: the run passed its deadline of 120 s (activeDeadlineSeconds: the handlers' timeoutSeconds plus a margin) and the Job controller stopped its Pod, so no per-handler result was recorded; the runner never started (ImagePullBackOff: no such image)",
    );
    // The Job controller deleted the Pod (Kubernetes does at the deadline): the Job says why.
    expect(jobOutcome(deadline, []).reason).toMatch(
      /^DeadlineExceeded: the run passed its deadline of 120 s .*no per-handler result was recorded$/,
    );
    // The runner, told to stop, wrote its result before its Pod went.
    expect(jobOutcome(deadline, [pod({ exitCode: 1, reason: 'Error', message: result })])).toEqual({
      ok: false,
      results: [{ name: 'deploy', lane: 'blocking', ok: false, durationMs: 5, error: 'boom' }],
      reason:
        "DeadlineExceeded: the run passed its deadline of 120 s (activeDeadlineSeconds: the handlers' timeoutSeconds plus a margin) and the Job controller stopped its Pod",
    });
    expect(jobOutcome(job('Failed', 'BackoffLimitExceeded'), []).reason).toMatch(/Pod is gone/);
    expect(
      jobOutcome(job('Failed', 'BackoffLimitExceeded'), [
        pod({ exitCode: 2, reason: 'Error', message: 'not json' }),
      ]).reason,
    ).toBe('the runner exited with code 2 without a result; its last lines:\nnot json');
  });

  it('reports a runner that died without a result with the last lines of its log', () => {
    // FallbackToLogsOnError: the termination message is the end of the container's log.
    const log = [
      ...Array.from({ length: 40 }, (_, i) => `noise ${i}`),
      'quickcd runner: Cannot load handlers file /quickcd/handlers/handlers.mjs: boom',
      '',
    ].join('\n');
    const reason = jobOutcome(job('Failed', 'BackoffLimitExceeded'), [
      pod({ exitCode: 2, reason: 'Error', message: log }),
    ]).reason;
    expect(reason).toMatch(/^the runner exited with code 2 without a result; its last lines:\n/);
    expect(reason).toContain('Cannot load handlers file /quickcd/handlers/handlers.mjs: boom');
    expect(reason).toContain('noise 39');
    expect(reason).not.toContain('noise 0\n');
  });
});
