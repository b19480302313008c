import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';

/**
 * A service-account token bound to `pod`, from the TokenRequest API (`POST
 * serviceaccounts/<sa>/token`), as the kubelet requests it for a projected
 * `serviceAccountToken` source. No audience means the API server's own.
 */
export async function requestServiceAccountToken(
  core: CoreV1Api,
  pod: V1Pod,
  source: { audience?: string; expirationSeconds?: number },
): Promise<string> {
  const namespace = pod.metadata?.namespace ?? '';
  const name = pod.spec?.serviceAccountName || 'default';
  const response = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences: source.audience ? [source.audience] : [],
        expirationSeconds: source.expirationSeconds ?? 3607,
        boundObjectRef: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: pod.metadata?.name ?? '',
          uid: pod.metadata?.uid ?? '',
        },
      },
    },
  });
  const token = response.status?.token;
  if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
  return token;
}
