/**
 * What `quickcd logs` needs of the Kubernetes client, imported on use: named, so the bundle
 * keeps only these (a dynamic import of the whole package would keep all of it).
 */
export { ApiException, BatchV1Api, CoreV1Api } from '@kubernetes/client-node';
export { createKubeConfig, unreachable } from '../scheduler/kubernetes/create-kube-config.js';
