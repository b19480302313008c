import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeServer, type KubeTestServer } from '../../support/kube-server/index.js';
import { eventually } from './helpers.js';

const run = promisify(execFile);
const hasKubectl = await run('kubectl', ['version', '--client']).then(
  () => true,
  () => false,
);

describe.skipIf(!hasKubectl)(
  'kubectl against the test server (skipped: kubectl not found on PATH)',
  () => {
    let server: KubeTestServer;
    let dir: string;
    const kubectl = async (...args: string[]): Promise<string> =>
      (await run('kubectl', ['--kubeconfig', join(dir, 'kubeconfig'), ...args])).stdout;
    const kubectlFails = async (...args: string[]): Promise<string> =>
      kubectl(...args).then(
        (out) => {
          throw new Error(`expected kubectl ${args.join(' ')} to fail, got: ${out}`);
        },
        (e: { stderr: string }) => e.stderr,
      );

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kubectl-test-'));
      server = await startKubeServer({
        namespace: 'kctl',
        kubeconfigPath: join(dir, 'kubeconfig'),
      });
    });
    afterAll(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('applies a ConfigMap twice (create, then update by patch) and creates from a file', async () => {
      const file = join(dir, 'cm.yaml');
      await writeFile(
        file,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  labels: {app: quickcd}\ndata:\n  a: "1"\n  b: "2"\n',
      );
      expect(await kubectl('apply', '-f', file)).toBe('configmap/applied created\n');
      await writeFile(
        file,
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\n  labels: {app: quickcd}\ndata:\n  a: "1"\n  c: "3"\n',
      );
      expect(await kubectl('apply', '-f', file)).toBe('configmap/applied configured\n');
      expect(server.get('configmaps', 'kctl', 'applied')).toMatchObject({
        data: { a: '1', c: '3' },
      });
      expect(
        server.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/configmaps/applied')),
      ).toBe(true);
      await writeFile(
        join(dir, 'cm2.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created\ndata:\n  x: "y"\n',
      );
      expect(await kubectl('create', '-f', join(dir, 'cm2.yaml'))).toBe(
        'configmap/created created\n',
      );
      expect(await kubectlFails('create', '-f', join(dir, 'cm2.yaml'))).toContain('AlreadyExists');
    });

    it('gets, labels, annotates, describes and deletes ConfigMaps', async () => {
      await kubectl('create', 'configmap', 'plain', '--from-literal=k=v');
      expect(await kubectl('label', 'configmap', 'plain', 'tier=web')).toBe(
        'configmap/plain labeled\n',
      );
      expect(await kubectl('annotate', 'configmap', 'plain', 'note=hello')).toBe(
        'configmap/plain annotated\n',
      );
      const table = await kubectl('get', 'configmaps', '-l', 'tier=web');
      expect(table.split('\n')[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
      expect(table).toMatch(/^plain\s+1\s+\d+s$/m);
      expect(table).not.toContain('applied');
      const json = JSON.parse(await kubectl('get', 'cm', 'plain', '-o', 'json')) as {
        metadata: { labels: object; annotations: object };
      };
      expect(json.metadata.labels).toEqual({ tier: 'web' });
      expect(json.metadata.annotations).toEqual({ note: 'hello' });
      expect(await kubectl('get', 'cm', 'plain', '-o', 'yaml')).toContain('k: v');
      const described = await kubectl('describe', 'configmap', 'plain');
      expect(described).toMatch(/Labels:\s+tier=web/);
      expect(described).toMatch(/Annotations:\s+note: hello/);
      expect(await kubectl('delete', 'configmap', 'plain')).toBe('configmap "plain" deleted\n');
      expect(await kubectlFails('get', 'configmap', 'plain')).toContain(
        'configmaps "plain" not found',
      );
    });

    it('gets jobs and pods, shows logs of job/<name> and describes the Job', async () => {
      await writeFile(
        join(dir, 'job.yaml'),
        [
          'apiVersion: batch/v1',
          'kind: Job',
          'metadata: {name: greet}',
          'spec:',
          '  backoffLimit: 0',
          '  template:',
          '    spec:',
          '      restartPolicy: Never',
          '      containers:',
          '      - name: main',
          '        image: busybox',
          '        command: ["sh", "-c", "echo hello from the job"]',
          '',
        ].join('\n'),
      );
      expect(await kubectl('create', '-f', join(dir, 'job.yaml'))).toBe(
        'job.batch/greet created\n',
      );
      await eventually(() =>
        (server.get('jobs', 'kctl', 'greet')?.status as { succeeded?: number } | undefined)
          ?.succeeded === 1
          ? true
          : undefined,
      );
      const jobs = await kubectl('get', 'jobs');
      expect(jobs).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
      expect(jobs).toMatch(/^greet\s+Complete\s+1\/1\s+/m);
      expect(await kubectl('get', 'pods', '-l', 'job-name=greet')).toMatch(
        /^greet-[a-z0-9]{5}\s+0\/1\s+Completed\s+0\s+/m,
      );
      expect(await kubectl('logs', 'job/greet')).toBe('hello from the job\n');
      const described = await kubectl('describe', 'job', 'greet');
      expect(described).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
      expect(await kubectl('delete', 'job', 'greet')).toBe('job.batch "greet" deleted\n');
      await eventually(() => (server.list('pods', 'kctl').length === 0 ? true : undefined));
    });

    it('creates a Secret (protobuf body) and reports server-side validation errors', async () => {
      await kubectl('create', 'secret', 'generic', 'token', '--from-literal=token=abc');
      expect(server.get('secrets', 'kctl', 'token')).toMatchObject({
        data: { token: Buffer.from('abc').toString('base64') },
      });
      expect(await kubectlFails('create', 'configmap', 'Bad_Name')).toContain('is invalid');
    });
  },
);
