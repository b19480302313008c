import yaml from 'js-yaml';
import { errorMessage } from '../../common/errors.js';
import type { CommentLog } from '../context.js';
import type { Shell } from '../shell.js';
import { shellQuote } from '../shell-quote.js';

export interface IntegrationTestResult {
  readonly chart: string;
  readonly release: string;
  readonly ok: boolean;
  /** Why it failed, or how it ended. */
  readonly message: string;
}

/**
 * Runs an integration-test chart: installs it as a temporary release, waits (watching, with
 * `kubectl wait`) for each Job it creates to complete or fail within `timeoutSeconds`, shows
 * the Jobs' logs, and uninstalls the release whatever happened.
 */
export async function runIntegrationTest(args: {
  readonly sh: Shell;
  readonly log: CommentLog;
  readonly chart: string;
  readonly dir: string;
  readonly namespace: string;
  readonly valuesFile: string;
  readonly timeoutSeconds: number;
  /** `--create-namespace` (default true). */
  readonly createNamespace?: boolean;
  /** Makes the temporary release name unique (default: the time). */
  readonly suffix?: string;
}): Promise<IntegrationTestResult> {
  const { sh, namespace } = args;
  const suffix = args.suffix ?? Date.now().toString(36);
  const release = `${args.chart.slice(0, 52 - suffix.length)}-${suffix}`;
  args.log(`Testing ${args.chart}`, `temporary release ${release} in namespace ${namespace}`);
  const started = Date.now();
  const result = (ok: boolean, message: string) => ({ chart: args.chart, release, ok, message });
  try {
    await sh`helm install ${release} ${args.dir} --namespace ${namespace} ${args.createNamespace === false ? [] : ['--create-namespace']} -f ${args.valuesFile}`;
    const manifest = await sh`helm get manifest ${release} --namespace ${namespace}`;
    const objects = yaml.loadAll(manifest) as ({
      kind?: string;
      metadata: { name: string };
    } | null)[];
    const jobs = objects.filter((o) => o?.kind === 'Job').map((o) => o!.metadata.name);
    if (jobs.length === 0)
      return result(false, `${args.chart} creates no Job: nothing to wait for`);
    for (const job of jobs) {
      const left = Math.max(1, args.timeoutSeconds - Math.floor((Date.now() - started) / 1000));
      const outcome = await waitForJob(sh, namespace, job, left);
      await sh`kubectl logs --namespace ${namespace} -l ${`job-name=${job}`} --all-containers --prefix --tail=-1`.catch(
        () => '',
      );
      if (outcome !== 'Complete') {
        return result(
          false,
          outcome === 'Failed'
            ? `Job ${job} failed`
            : `Job ${job} did not finish within ${args.timeoutSeconds}s`,
        );
      }
    }
    return result(true, `${jobs.length === 1 ? 'Job' : 'Jobs'} ${jobs.join(', ')} succeeded`);
  } catch (e) {
    return result(false, errorMessage(e).split('\n')[0] ?? 'failed');
  } finally {
    await sh`helm uninstall ${release} --namespace ${namespace} --ignore-not-found --wait`.catch(
      () => undefined,
    );
  }
}

/**
 * Watches a Job until it is `Complete` or `Failed` (two `kubectl wait`s, the first to return
 * wins) or the deadline passes; then reads its conditions once.
 */
async function waitForJob(
  sh: Shell,
  namespace: string,
  job: string,
  seconds: number,
): Promise<'Complete' | 'Failed' | 'Timeout'> {
  const [ns, name] = [shellQuote(namespace), shellQuote(job)];
  const wait = (condition: string) =>
    `kubectl wait --namespace ${ns} --for=condition=${condition} job/${name} --timeout=${seconds}s >/dev/null 2>&1`;
  const conditions = await sh(
    [
      `${wait('Complete')} & complete=$!`,
      `${wait('Failed')} & failed=$!`,
      'wait -n "$complete" "$failed"',
      'kill "$complete" "$failed" 2>/dev/null',
      `kubectl get job ${name} --namespace ${ns} -o jsonpath='{range .status.conditions[*]}{.type}={.status}{"\\n"}{end}'`,
    ].join('\n'),
    { timeoutSeconds: seconds + 60 },
  );
  const done = new Set(conditions.split('\n').filter((c) => c.endsWith('=True')));
  if (done.has('Complete=True')) return 'Complete';
  if (done.has('Failed=True')) return 'Failed';
  return 'Timeout';
}
