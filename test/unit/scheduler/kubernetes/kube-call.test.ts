import { ApiException } from '@kubernetes/client-node';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { countWatchFailure, kubeCall } from '../../../../scheduler/kubernetes/kube-call.js';
import { kubernetesError } from '../../../../scheduler/kubernetes/kubernetes-api-error.js';
import { onKubernetesApiError } from '../../../../scheduler/metrics/kubernetes-api-errors.js';

const seen: string[] = [];
const stop = onKubernetesApiError((verb, resource) => seen.push(`${verb} ${resource}`));
afterEach(() => {
  seen.length = 0;
});
afterAll(() => stop());

const status = (code: number) => new ApiException(code, 'failed', '{}', {});

describe('kubeCall: one count per failed Kubernetes call', () => {
  it('counts a failure once, though the caller turns it into a kubernetesError', async () => {
    const error = await kubeCall('get', 'jobs.batch', () => Promise.reject(status(500))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiException); // thrown unchanged
    kubernetesError({ verb: 'get', resource: 'jobs.batch', namespace: 'cd' }, error);
    expect(seen).toEqual(['get jobs.batch']);
  });

  it('does not count the statuses that are answers; a network error always counts', async () => {
    await kubeCall('create', 'jobs.batch', () => Promise.reject(status(409)), [409]).catch(
      () => {},
    );
    await kubeCall(
      'create',
      'jobs.batch',
      () => Promise.reject(new Error('ECONNREFUSED')),
      [409],
    ).catch(() => {});
    expect(seen).toEqual(['create jobs.batch']);
  });

  it('counts a broken watch, not a normal end, our own abort or a 410 expiry', () => {
    countWatchFailure('pods', null);
    countWatchFailure('pods', Object.assign(new Error('aborted'), { name: 'AbortError' }));
    countWatchFailure('pods', { kind: 'Status', code: 410 });
    countWatchFailure('pods', Object.assign(new Error('Forbidden'), { statusCode: 403 }));
    expect(seen).toEqual(['watch pods']);
  });
});
