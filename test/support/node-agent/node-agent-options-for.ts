import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ControlPlane } from '../cluster/start-control-plane.js';
import type { NodeAgentOptions } from './start-node-agent.js';

/** This checkout (where bin/quickcd.js lives). */
const CHECKOUT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The node agent's options for a control plane from startControlPlane: its admin kubeconfig,
 * its API server as KUBERNETES_SERVICE_HOST/PORT, the kubelet serving certificate of its PKI
 * (clients verified against its CA, which signed the API server's kubelet-client certificate),
 * its binaries first on containers' PATH, and this checkout's quickcd.
 */
export function nodeAgentOptionsFor(
  cp: ControlPlane,
  workDir: string,
  more: Partial<NodeAgentOptions> = {},
): NodeAgentOptions {
  return {
    kubeconfigPath: cp.kubeconfigPath,
    workDir,
    apiServer: { host: cp.host, port: cp.port },
    tls: { certFile: cp.pki.kubeletCert, keyFile: cp.pki.kubeletKey, clientCaFile: cp.pki.caCert },
    quickcdCommand: [process.execPath, join(CHECKOUT, 'bin', 'quickcd.js')],
    binDir: cp.binDir,
    ...more,
  };
}
