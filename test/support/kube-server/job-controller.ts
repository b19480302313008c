import type { ServerContext } from './context.js';
import { applyCreateDefaults, randomSuffix } from './defaults.js';
import { deleteObject } from './garbage-collector.js';
import type { NodeAgent } from './node-agent.js';
import { clone, isObject, timestamp, type JsonObject, type KubeObject } from './types.js';

const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});

/** The running Job controller. */
export interface JobController {
  stop(): void;
}

/**
 * Starts the Job controller: for each Job it creates Pods from the template (one at a time,
 * up to `completions`, retrying failures up to `backoffLimit`), keeps `status` (startTime,
 * active, ready, succeeded, failed, completionTime, conditions SuccessCriteriaMet/Complete or
 * FailureTarget/Failed with reason BackoffLimitExceeded or DeadlineExceeded) up to date,
 * enforces `activeDeadlineSeconds` (the pod's process group is killed; the pod is kept, with
 * reason DeadlineExceeded, so its logs stay readable) and deletes finished Jobs after
 * `ttlSecondsAfterFinished`. `suspend: true` Jobs get no Pods.
 */
export function startJobController(
  ctx: ServerContext,
  agent: NodeAgent | undefined,
): JobController {
  const pending = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout[]>();
  const addTimer = (k: string, ms: number, fn: () => void): void => {
    const list = timers.get(k) ?? [];
    list.push(setTimeout(fn, ms));
    timers.set(k, list);
  };

  const enqueue = (ns: string, name: string): void => {
    const k = `${ns}/${name}`;
    if (pending.has(k)) return;
    pending.add(k);
    setImmediate(() => {
      pending.delete(k);
      reconcile(ns, name);
    });
  };

  const reconcile = (ns: string, name: string): void => {
    const job = ctx.store.get('jobs', ns, name);
    const k = `${ns}/${name}`;
    if (!job) {
      for (const t of timers.get(k) ?? []) clearTimeout(t);
      timers.delete(k);
      return;
    }
    const spec = obj(job.spec);
    const status = obj(clone(job.status));
    const conditions = Array.isArray(status.conditions) ? (status.conditions as JsonObject[]) : [];
    const has = (type: string): boolean =>
      conditions.some((c) => c.type === type && c.status === 'True');
    const pods = ctx.store
      .list('pods', ns)
      .filter((p) =>
        (p.metadata.ownerReferences ?? []).some(
          (r) => r.uid === job.metadata.uid && r.controller === true,
        ),
      );
    const phase = (p: KubeObject): unknown => obj(p.status).phase;
    const active = pods.filter((p) => phase(p) !== 'Succeeded' && phase(p) !== 'Failed');
    const succeeded = pods.filter((p) => phase(p) === 'Succeeded').length;
    const failed = pods.filter((p) => phase(p) === 'Failed').length;
    const finished = has('Complete') || has('Failed');

    if (!finished && spec.suspend !== true) {
      if (typeof status.startTime !== 'string') {
        status.startTime = timestamp();
        if (typeof spec.activeDeadlineSeconds === 'number') {
          addTimer(k, spec.activeDeadlineSeconds * 1000, () =>
            failJob(ns, name, 'DeadlineExceeded', 'Job was active longer than specified deadline'),
          );
        }
      }
      const completions = Number(spec.completions ?? 1);
      if (succeeded >= completions && !has('SuccessCriteriaMet')) {
        conditions.push(
          condition(
            'SuccessCriteriaMet',
            'CompletionsReached',
            'Reached expected number of succeeded pods',
          ),
        );
      } else if (failed > Number(spec.backoffLimit ?? 6) && !has('FailureTarget')) {
        conditions.push(
          condition(
            'FailureTarget',
            'BackoffLimitExceeded',
            'Job has reached the specified backoff limit',
          ),
        );
      }
      const target = conditions.find(
        (c) => c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet',
      );
      if (target && active.length === 0) {
        const success = target.type === 'SuccessCriteriaMet';
        conditions.push(
          condition(success ? 'Complete' : 'Failed', String(target.reason), String(target.message)),
        );
        if (success) status.completionTime = timestamp();
      } else if (target) {
        for (const p of active) agent?.terminate(ns, p.metadata.name ?? '', String(target.reason));
      } else if (
        active.length < Number(spec.parallelism ?? 1) &&
        succeeded + active.length < completions
      ) {
        createPod(job);
      }
    }
    const nowFinished = conditions.some(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    if (nowFinished && !finished && typeof spec.ttlSecondsAfterFinished === 'number') {
      addTimer(k, spec.ttlSecondsAfterFinished * 1000, () =>
        deleteObject(ctx, 'jobs', ns, name, 'Background'),
      );
    }
    const readyCount = active.filter((p) =>
      (obj(p.status).conditions as JsonObject[] | undefined)?.some(
        (c) => c.type === 'Ready' && c.status === 'True',
      ),
    ).length;
    Object.assign(status, {
      active: active.length,
      ready: readyCount,
      succeeded,
      failed,
      terminating: 0,
      uncountedTerminatedPods: {},
    });
    if (conditions.length > 0) status.conditions = conditions;
    for (const f of ['active', 'succeeded', 'failed'] as const)
      if (status[f] === 0) delete status[f];
    if (JSON.stringify(status) !== JSON.stringify(job.status)) {
      job.status = status;
      ctx.store.update('jobs', job);
    }
  };

  const failJob = (ns: string, name: string, reason: string, message: string): void => {
    const job = ctx.store.get('jobs', ns, name);
    if (!job) return;
    const status = obj(job.status);
    const conditions = Array.isArray(status.conditions) ? (status.conditions as JsonObject[]) : [];
    if (
      conditions.some((c) =>
        ['Complete', 'Failed', 'FailureTarget', 'SuccessCriteriaMet'].includes(String(c.type)),
      )
    )
      return;
    status.conditions = [...conditions, condition('FailureTarget', reason, message)];
    job.status = status;
    ctx.store.update('jobs', job);
  };

  const createPod = (job: KubeObject): void => {
    const template = obj(clone(obj(job.spec).template));
    const meta = obj(template.metadata);
    const name = `${job.metadata.name ?? 'job'}-${randomSuffix()}`;
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        generateName: `${job.metadata.name}-`,
        namespace: job.metadata.namespace ?? 'default',
        labels: { ...(meta.labels as Record<string, string> | undefined) },
        annotations: { ...(meta.annotations as Record<string, string> | undefined) },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name: job.metadata.name ?? '',
            uid: job.metadata.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: template.spec,
    };
    if (Object.keys(pod.metadata.annotations ?? {}).length === 0) delete pod.metadata.annotations;
    applyCreateDefaults('pods', pod);
    ctx.store.create('pods', pod);
  };

  const unsubscribe = ctx.store.subscribe((e) => {
    const ns = e.object.metadata.namespace ?? '';
    if (e.resource === 'jobs' && e.type !== 'DELETED') enqueue(ns, e.object.metadata.name ?? '');
    if (e.resource === 'jobs' && e.type === 'DELETED') enqueue(ns, e.object.metadata.name ?? '');
    if (e.resource === 'pods') {
      const owner = (e.object.metadata.ownerReferences ?? []).find(
        (r) => r.kind === 'Job' && r.controller === true,
      );
      if (owner) enqueue(ns, owner.name);
    }
  });
  for (const job of ctx.store.list('jobs'))
    enqueue(job.metadata.namespace ?? '', job.metadata.name ?? '');

  return {
    stop() {
      unsubscribe();
      for (const list of timers.values()) for (const t of list) clearTimeout(t);
      timers.clear();
    },
  };
}

function condition(type: string, reason: string, message: string): JsonObject {
  const now = timestamp();
  return { type, status: 'True', lastProbeTime: now, lastTransitionTime: now, reason, message };
}
