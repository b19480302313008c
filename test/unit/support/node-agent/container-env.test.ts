import { describe, expect, it } from 'vitest';
import { containerEnv } from '../../../support/node-agent/container-env.js';
import { PodConfigError } from '../../../support/node-agent/pod-config-error.js';
import type { SourceLookup } from '../../../support/node-agent/source-lookup.js';

const sources: SourceLookup = {
  configMap: async (_ns, name) => (name === 'cm' ? new Map([['a', Buffer.from('A')]]) : undefined),
  secret: async (_ns, name) => (name === 's' ? new Map([['t', Buffer.from('T')]]) : undefined),
};
const pod = {
  metadata: { name: 'p', namespace: 'ns', uid: 'u1', labels: { app: 'x' } },
  spec: { nodeName: 'n', serviceAccountName: 'sa', containers: [] },
};
const apiServer = { host: '127.0.0.1', port: 6443 };

describe('containerEnv', () => {
  it('builds service variables, envFrom, then env in order with expansion and valueFrom', async () => {
    const env = await containerEnv({
      pod,
      sources,
      apiServer,
      allocatable: { cpu: '2', memory: '4Gi' },
      container: {
        name: 'c',
        resources: { limits: { memory: '256Mi' } },
        envFrom: [
          { prefix: 'CM_', configMapRef: { name: 'cm' } },
          { secretRef: { name: 'gone', optional: true } },
        ],
        env: [
          { name: 'A', value: 'x' },
          { name: 'B', value: '$(A)-$(KUBERNETES_SERVICE_PORT)-$(CM_a)' },
          { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 't' } } },
          { name: 'OPT', valueFrom: { secretKeyRef: { name: 's', key: 'nope', optional: true } } },
          { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
          {
            name: 'MEM',
            valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } },
          },
          { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        ],
      },
    });
    expect(env).toMatchObject({
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: '6443',
      KUBERNETES_SERVICE_PORT_HTTPS: '6443',
      KUBERNETES_PORT: 'tcp://127.0.0.1:6443',
      CM_a: 'A',
      B: 'x-6443-A',
      S: 'T',
      UID: 'u1',
      APP: 'x',
      SA: 'sa',
      MEM: '256',
      CPU: '2',
    });
    expect(env).not.toHaveProperty('OPT');
  });

  it('throws CreateContainerConfigError for a missing Secret or key', async () => {
    const missing = (ref: { name: string; key: string }) =>
      containerEnv({
        pod,
        sources,
        apiServer,
        allocatable: {},
        container: { name: 'c', env: [{ name: 'X', valueFrom: { secretKeyRef: ref } }] },
      });
    await expect(missing({ name: 'nope', key: 't' })).rejects.toEqual(
      new PodConfigError('CreateContainerConfigError', 'secret "nope" not found'),
    );
    await expect(missing({ name: 's', key: 'k' })).rejects.toMatchObject({
      code: 'CreateContainerConfigError',
      message: "couldn't find key k in Secret ns/s",
    });
  });
});
