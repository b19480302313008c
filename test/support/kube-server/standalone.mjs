// The Kubernetes API test server, standalone (npm run test-cluster). Usage:
//   node test/support/kube-server/standalone.mjs --kubeconfig <path> [--port N] [--namespace ns]
import { runTsMain } from '../run-ts-main.mjs';

await runTsMain(new URL('./standalone.ts', import.meta.url), process.argv.slice(2));
