/** A kubeconfig whose API server never answers (port 1 on the loopback): "cluster unreachable". */
export const UNREACHABLE_KUBECONFIG = [
  'apiVersion: v1',
  'kind: Config',
  'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1" } }]',
  'users: [{ name: u, user: { token: t } }]',
  'contexts: [{ name: x, context: { cluster: c, user: u, namespace: cd } }]',
  'current-context: x',
].join('\n');
