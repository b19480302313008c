/**
 * A Kubernetes API test server: a real HTTP server speaking the Kubernetes API wire protocol
 * for ConfigMaps, Secrets, Pods (+ log), Jobs, Leases, Namespaces and Events, driven by the
 * real `@kubernetes/client-node` and by `kubectl`. It replaces a cluster in tests:
 *
 * - discovery (`/version`, `/api`, `/apis`, resource lists) and server-side Table printing,
 *   so `kubectl get/describe/logs/label/annotate/delete/create/apply` work;
 * - CRUD with resourceVersion conflicts (409), `Status` errors, validation (422), label and
 *   field selectors, watches (resume, 410 Expired, bookmarks), JSON/merge/strategic patches,
 *   ownerReference cascade (garbage collection);
 * - a Job controller and a node agent that runs each Pod's first container as a local process
 *   with its ConfigMap/Secret/emptyDir volumes and env, keeps its logs and termination
 *   message, and reports Pod and Job status;
 * - injected faults.
 *
 * @example
 * const server = await startKubeServer({ kubeconfigPath });
 * const core = server.kubeConfig().makeApiClient(CoreV1Api);
 */
export { startKubeServer } from './server.js';
export type {
  InspectableResource,
  KubeTestServer,
  RecordedRequest,
  StartKubeServerOptions,
} from './server.js';
export type { Fault, FaultMatch } from './faults.js';
export type { KubeObject } from './types.js';
