import { parseArgs } from 'node:util';
import { startKubeServer } from './server.js';

/**
 * Runs the Kubernetes API test server until SIGTERM/SIGINT:
 * `--kubeconfig <path>` (required) `[--port N] [--namespace ns] [--work-dir dir]`.
 * Prints exactly one line, `Kubernetes API test server listening on <url>`, once ready.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      port: { type: 'string' },
      namespace: { type: 'string' },
      'work-dir': { type: 'string' },
    },
  });
  if (!values.kubeconfig) {
    process.stderr.write(
      'usage: standalone --kubeconfig <path> [--port N] [--namespace ns] [--work-dir dir]\n',
    );
    process.exitCode = 2;
    return;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    process.stderr.write(`--port: expected an integer 0-65535, got ${values.port}\n`);
    process.exitCode = 2;
    return;
  }
  const server = await startKubeServer({
    kubeconfigPath: values.kubeconfig,
    ...(port === undefined ? {} : { port }),
    ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
    ...(values['work-dir'] === undefined ? {} : { workDir: values['work-dir'] }),
    maxGraceSeconds: 30,
  });
  process.stdout.write(`Kubernetes API test server listening on ${server.url}\n`);
  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
