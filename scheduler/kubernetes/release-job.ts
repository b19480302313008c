import {
  PatchStrategy,
  setHeaderOptions,
  type BatchV1Api,
  type CoreV1Api,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import { apiStatusCode } from './kubernetes-api-error.js';
import { RUN_FINALIZER } from './job-manifest.js';
import { kubeCall } from './kube-call.js';

const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** JSON patch removing quickcd's finalizer at `index`, failing if it is no longer there. */
const withoutFinalizer = (index: number) => {
  const path = `/metadata/finalizers/${index}`;
  return [
    { op: 'test', path, value: RUN_FINALIZER },
    { op: 'remove', path },
  ];
};

/**
 * Takes quickcd's finalizer off the Pods of Job `name` (`pods` from a cache, else listed),
 * then off the Job (`job` from a cache, else read): once its outcome is recorded, or when no
 * outcome can be recorded any more. Gone already is fine.
 */
export async function releaseJob(options: {
  readonly batch: BatchV1Api;
  readonly core: CoreV1Api;
  readonly namespace: string;
  readonly name: string;
  readonly job: V1Job | undefined;
  readonly pods: readonly V1Pod[] | undefined;
}): Promise<void> {
  const { batch, core, namespace, name } = options;
  const pods =
    options.pods ??
    (
      await kubeCall('list', 'pods', () =>
        core.listNamespacedPod({
          namespace,
          labelSelector: `batch.kubernetes.io/job-name=${name}`,
        }),
      )
    ).items;
  for (const pod of pods) {
    const podName = pod.metadata?.name;
    const index = pod.metadata?.finalizers?.indexOf(RUN_FINALIZER) ?? -1;
    if (!podName || index < 0) continue;
    await kubeCall(
      'patch',
      'pods',
      () =>
        core.patchNamespacedPod(
          { namespace, name: podName, body: withoutFinalizer(index) },
          jsonPatch,
        ),
      [404],
    ).catch((error: unknown) => {
      if (apiStatusCode(error) !== 404) throw error;
    });
  }
  try {
    const job = options.job ?? (await readJob(batch, namespace, name));
    const index = job?.metadata?.finalizers?.indexOf(RUN_FINALIZER) ?? -1;
    if (index < 0) return;
    await kubeCall(
      'patch',
      'jobs.batch',
      () => batch.patchNamespacedJob({ namespace, name, body: withoutFinalizer(index) }, jsonPatch),
      [404],
    );
  } catch (error) {
    if (apiStatusCode(error) === 404) return;
    throw error;
  }
}

/**
 * Job `name` as the API server has it now, or undefined when it does not exist: a list by name
 * (a consistent read, like a GET; an empty answer is as definite as a 404), so the Role needs
 * no `get` besides the informer's `list`.
 */
export async function readJob(batch: BatchV1Api, namespace: string, name: string) {
  const jobs = await kubeCall('list', 'jobs.batch', () =>
    batch.listNamespacedJob({ namespace, fieldSelector: `metadata.name=${name}` }),
  );
  return jobs.items.find((j) => j.metadata?.name === name);
}
