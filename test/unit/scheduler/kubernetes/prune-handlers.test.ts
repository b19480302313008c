import {
  ApiException,
  type BatchV1Api,
  type CoreV1Api,
  type V1ConfigMap,
  type V1Job,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { QuickcdError } from '../../../../common/errors.js';
import { pruneHandlers } from '../../../../scheduler/kubernetes/prune-handlers.js';

const log = pino({ level: 'silent' });
const namespace = 'cd';

interface Calls {
  configMapSelectors: string[];
  jobSelectors: string[];
  deleted: string[];
}

/** Just the three calls pruneHandlers makes, over literal objects, paged by `pageSize`. */
function fakeApis(
  configMaps: readonly string[],
  jobs: readonly (string | undefined)[],
  options: { pageSize?: number; failDelete?: (name: string) => number | undefined } = {},
) {
  const calls: Calls = { configMapSelectors: [], jobSelectors: [], deleted: [] };
  const pageSize = options.pageSize ?? 1000;
  const page = <T>(items: T[], next: string | undefined) => {
    const from = Number(next ?? 0);
    const rest = from + pageSize < items.length ? String(from + pageSize) : undefined;
    return { items: items.slice(from, from + pageSize), metadata: { _continue: rest } };
  };
  const core = {
    listNamespacedConfigMap(req: { labelSelector: string; _continue?: string }) {
      calls.configMapSelectors.push(req.labelSelector);
      const items: V1ConfigMap[] = configMaps.map((name) => ({ metadata: { name } }));
      return Promise.resolve(page(items, req._continue));
    },
    deleteNamespacedConfigMap(req: { name: string }) {
      const status = options.failDelete?.(req.name);
      if (status !== undefined) return Promise.reject(new ApiException(status, 'no', '{}', {}));
      calls.deleted.push(req.name);
      return Promise.resolve({});
    },
  } as unknown as CoreV1Api;
  const batch = {
    listNamespacedJob(req: { labelSelector: string; _continue?: string }) {
      calls.jobSelectors.push(req.labelSelector);
      const items: V1Job[] = jobs.map((handlers, i) => ({
        metadata: {
          name: `job-${i}`,
          ...(handlers ? { annotations: { 'quickcd.dev/handlers': handlers } } : {}),
        },
      }));
      return Promise.resolve(page(items, req._continue));
    },
  } as unknown as BatchV1Api;
  return { core, batch, calls };
}

describe('pruneHandlers', () => {
  it('deletes the old handlers ConfigMaps no Job mounts, never the current one', async () => {
    const { core, batch, calls } = fakeApis(
      ['quickcd-handlers-current', 'quickcd-handlers-old1', 'quickcd-handlers-old2'],
      ['quickcd-handlers-old1', undefined, 'quickcd-handlers-current'],
    );
    const result = await pruneHandlers({
      core,
      batch,
      namespace,
      scheduler: 'prod-quickcd',
      current: 'quickcd-handlers-current',
      log,
    });
    expect(result.deleted).toEqual(['quickcd-handlers-old2']);
    expect(calls.deleted).toEqual(['quickcd-handlers-old2']);
    // only this scheduler's handlers ConfigMaps, only quickcd's run Jobs
    expect(calls.configMapSelectors).toEqual([
      'app.kubernetes.io/managed-by=quickcd,quickcd.dev/kind=handlers,quickcd.dev/scheduler=prod-quickcd',
    ]);
    expect(calls.jobSelectors).toEqual([
      'app.kubernetes.io/managed-by=quickcd,quickcd.dev/kind=run',
    ]);
  });

  it('does not list Jobs when only the current ConfigMap exists', async () => {
    const { core, batch, calls } = fakeApis(['quickcd-handlers-current'], []);
    const result = await pruneHandlers({
      core,
      batch,
      namespace,
      scheduler: 's',
      current: 'quickcd-handlers-current',
      log,
    });
    expect(result.deleted).toEqual([]);
    expect(calls.jobSelectors).toEqual([]);
  });

  it('reads every page of ConfigMaps and Jobs', async () => {
    const names = Array.from({ length: 5 }, (_, i) => `quickcd-handlers-${i}`);
    const { core, batch, calls } = fakeApis(names, ['quickcd-handlers-4', 'quickcd-handlers-1'], {
      pageSize: 1,
    });
    const result = await pruneHandlers({
      core,
      batch,
      namespace,
      scheduler: 's',
      current: 'quickcd-handlers-0',
      log,
    });
    expect(result.deleted).toEqual(['quickcd-handlers-2', 'quickcd-handlers-3']);
    expect(calls.configMapSelectors).toHaveLength(5);
    expect(calls.jobSelectors).toHaveLength(2);
  });

  it('goes on past a failed delete and ignores one already gone', async () => {
    const { core, batch } = fakeApis(['a', 'b', 'c', 'current'], [], {
      failDelete: (name) => ({ a: 403, b: 404 })[name],
    });
    const result = await pruneHandlers({
      core,
      batch,
      namespace,
      scheduler: 's',
      current: 'current',
      log,
    });
    expect(result.deleted).toEqual(['c']);
  });

  it('names the call and the missing permission when a list is refused', async () => {
    const { core } = fakeApis(['old', 'current'], []);
    const batch = {
      listNamespacedJob: () => Promise.reject(new ApiException(403, 'forbidden', '{}', {})),
    } as unknown as BatchV1Api;
    const error = await pruneHandlers({
      core,
      batch,
      namespace,
      scheduler: 's',
      current: 'current',
      log,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuickcdError);
    expect(error).toMatchObject({ code: 'KUBERNETES_FAILED' });
    expect((error as Error).message).toContain('verb "list" on resource "jobs.batch"');
  });
});
