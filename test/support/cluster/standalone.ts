import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startTestCluster } from './start-test-cluster.js';

const USAGE =
  'usage: npm run test-cluster -- --kubeconfig <path> [--namespace ns] [--dir d] [--port N]\n' +
  '       npm run -s test-cluster -- --print-bin-dir\n';

/**
 * Runs the real test control plane (etcd, kube-apiserver, kube-controller-manager) and the node
 * agent until SIGTERM/SIGINT. Writes an admin kubeconfig to `--kubeconfig` (its context's
 * namespace `--namespace`, created if missing) and prints one line once every component is
 * healthy: `Kubernetes test cluster ready at <url> (binaries: <dir>)`.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        dir: { type: 'string' },
        port: { type: 'string' },
      },
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (!values.kubeconfig) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    process.stderr.write(`--port: expected an integer 1-65535, got ${values.port}\n`);
    process.exitCode = 2;
    return;
  }
  const cluster = await startTestCluster({
    ...(values.dir === undefined ? {} : { dir: values.dir }),
    ...(port === undefined ? {} : { apiserverPort: port }),
  });
  const kubeconfig = values.kubeconfig;
  await copyFile(cluster.kubeconfigPath, kubeconfig);
  if (values.namespace) {
    await cluster.createNamespace(values.namespace);
    const config = JSON.parse(await readFile(kubeconfig, 'utf8')) as {
      contexts: { context: Record<string, string> }[];
    };
    for (const c of config.contexts) c.context.namespace = values.namespace;
    await writeFile(kubeconfig, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  }
  process.stdout.write(
    `Kubernetes test cluster ready at ${cluster.server} (binaries: ${cluster.binDir})\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void cluster.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
