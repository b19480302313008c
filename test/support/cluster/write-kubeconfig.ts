import { readFile, writeFile } from 'node:fs/promises';

/** What a kubeconfig for one user of the test control plane holds. */
export interface KubeconfigInput {
  server: string;
  caCertFile: string;
  /** A client certificate … */
  clientCertFile?: string;
  clientKeyFile?: string;
  /** … or a bearer token (a service account's). */
  token?: string;
  user: string;
  namespace?: string;
}

const b64 = async (file: string): Promise<string> => (await readFile(file)).toString('base64');

/**
 * Writes a self-contained kubeconfig (certificates embedded, one context named `quickcd-test`,
 * current) to `path`. JSON is valid YAML, and kubectl, helm and client-node all read it.
 */
export async function writeKubeconfig(path: string, input: KubeconfigInput): Promise<void> {
  const user: Record<string, string> = {};
  if (input.clientCertFile) user['client-certificate-data'] = await b64(input.clientCertFile);
  if (input.clientKeyFile) user['client-key-data'] = await b64(input.clientKeyFile);
  if (input.token) user.token = input.token;
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'quickcd-test',
        cluster: {
          server: input.server,
          'certificate-authority-data': await b64(input.caCertFile),
        },
      },
    ],
    users: [{ name: input.user, user }],
    contexts: [
      {
        name: 'quickcd-test',
        context: {
          cluster: 'quickcd-test',
          user: input.user,
          ...(input.namespace ? { namespace: input.namespace } : {}),
        },
      },
    ],
    'current-context': 'quickcd-test',
  };
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}
