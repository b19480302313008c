// The real test control plane, standalone (npm run test-cluster). Usage:
//   node test/support/cluster/standalone.mjs --kubeconfig <path> [--namespace ns] [--dir d] [--port N]
//   node test/support/cluster/standalone.mjs --print-bin-dir
// --print-bin-dir builds what is missing (progress on stderr) and prints the directory holding
// etcd, kube-apiserver, kube-controller-manager, kubectl and helm.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runTsMain } from '../run-ts-main.mjs';

const argv = process.argv.slice(2);
if (argv.includes('--print-bin-dir')) {
  const build = fileURLToPath(new URL('../../cluster/build', import.meta.url));
  try {
    execFileSync(build, ['--print-bin-dir'], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch {
    process.exit(1);
  }
} else {
  await runTsMain(new URL('./standalone.ts', import.meta.url), argv);
}
