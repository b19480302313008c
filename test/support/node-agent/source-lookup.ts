import { ApiException, type CoreV1Api } from '@kubernetes/client-node';

/** The data of a ConfigMap or Secret, decoded; undefined when it does not exist. */
export interface SourceLookup {
  configMap(namespace: string, name: string): Promise<Map<string, Buffer> | undefined>;
  secret(namespace: string, name: string): Promise<Map<string, Buffer> | undefined>;
}

const notFound = (e: unknown): boolean => e instanceof ApiException && e.code === 404;

/** Reads ConfigMaps (data + binaryData) and Secrets (base64 data) from the API server. */
export function apiSourceLookup(core: CoreV1Api): SourceLookup {
  return {
    async configMap(namespace, name) {
      try {
        const cm = await core.readNamespacedConfigMap({ namespace, name });
        const out = new Map<string, Buffer>();
        for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v));
        for (const [k, v] of Object.entries(cm.binaryData ?? {}))
          out.set(k, Buffer.from(v, 'base64'));
        return out;
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
    async secret(namespace, name) {
      try {
        const s = await core.readNamespacedSecret({ namespace, name });
        const out = new Map<string, Buffer>();
        for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
        for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v));
        return out;
      } catch (e) {
        if (notFound(e)) return undefined;
        throw e;
      }
    },
  };
}
