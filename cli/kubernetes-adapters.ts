/**
 * The Kubernetes side of {@link createAdapters}, imported only when a Kubernetes store or
 * executor is chosen: an embedded scheduler (file store, local executor) never loads the
 * Kubernetes client.
 */
export { BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
export { createConfigMapStore } from '../scheduler/kubernetes/configmap-store.js';
export { checkCluster } from '../scheduler/kubernetes/check-cluster.js';
export { createKubeConfig } from '../scheduler/kubernetes/create-kube-config.js';
export { createJobExecutor } from '../scheduler/kubernetes/job-executor.js';
export { createLeaseLeadership } from '../scheduler/kubernetes/lease-leadership.js';
export { pruneHandlers } from '../scheduler/kubernetes/prune-handlers.js';
export { publishHandlers } from '../scheduler/kubernetes/publish-handlers.js';
export { createKubeEventRecorder } from '../scheduler/kubernetes/record-kube-event.js';
export { createHistoryKeeper } from '../scheduler/kubernetes/create-history-keeper.js';
export { createEventConfigMapCache } from '../scheduler/kubernetes/event-configmap-cache.js';
export { createRunInformers } from '../scheduler/kubernetes/run-informers.js';
