import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { QuickcdError } from '../../common/errors.js';
import type { CommentLog, HandlerContext } from '../context.js';

export interface IksInitOptions {
  /** Default `IBMCLOUD_API_KEY` (legacy `CD_BX_TOKEN`), or the file `IBMCLOUD_API_KEY_FILE`. */
  readonly apiKey?: string;
  /** Default `QUICKCD_REGION`, then `CD_REGION_DASHED` (e.g. `us-south`). */
  readonly region?: string;
  /** Default `QUICKCD_CLUSTER`, then `CD_CLUSTER_NAME`. */
  readonly cluster?: string;
  /** Default `IBMCLOUD_API_ENDPOINT`, then `https://cloud.ibm.com`. */
  readonly endpoint?: string;
  /** Default `IBMCLOUD_RESOURCE_GROUP` (none: the account's default). */
  readonly resourceGroup?: string;
  /** Where the kubeconfig is written. Default `KUBECONFIG`, then `~/.kube/config`. */
  readonly kubeconfig?: string;
  /** The git identity of merge commits. Default `quickcd` / `QUICKCD_GIT_EMAIL` or `CD_EMAIL_ADDRESS`. */
  readonly gitEmail?: string;
}

/**
 * The `iks` flavour's init step, for the top of a handler: logs in to IBM Cloud with the API
 * key (passed to `ibmcloud` in its environment, never on a command line), writes the
 * kubeconfig of the cluster (`ibmcloud ks cluster config --output yaml`, straight to a file,
 * mode 600, never printed), and sets git up for private repositories: an identity, and ssh
 * GitHub URLs rewritten to HTTPS, where the runner's token already authenticates git from its
 * environment (no token in any remote URL or config file). Every command is logged to `log`.
 */
export async function iksInit(
  ctx: HandlerContext,
  log: CommentLog,
  options: IksInitOptions = {},
): Promise<{ kubeconfig: string }> {
  const vars = ctx.env.vars;
  const apiKey =
    options.apiKey ??
    vars.IBMCLOUD_API_KEY ??
    vars.CD_BX_TOKEN ??
    (vars.IBMCLOUD_API_KEY_FILE
      ? (await readFile(vars.IBMCLOUD_API_KEY_FILE, 'utf8')).trim()
      : undefined);
  const region = options.region ?? vars.QUICKCD_REGION ?? vars.CD_REGION_DASHED;
  const cluster = options.cluster ?? vars.QUICKCD_CLUSTER ?? vars.CD_CLUSTER_NAME;
  const missing = [
    !apiKey && 'IBMCLOUD_API_KEY (the API key, from a Secret; or IBMCLOUD_API_KEY_FILE)',
    !region && 'QUICKCD_REGION (the IBM Cloud region, e.g. us-south)',
    !cluster && 'QUICKCD_CLUSTER (the cluster name or id)',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new QuickcdError('KDEP_OPTIONS_INVALID', `iksInit needs ${missing.join(', ')}`);
  }
  const home = vars.HOME ?? '/tmp';
  const kubeconfig = options.kubeconfig ?? vars.KUBECONFIG ?? join(home, '.kube', 'config');
  // ibmcloud sees only what it needs: not the runner's GitHub credentials.
  const ibmEnv: Record<string, string> = { HOME: home, PATH: vars.PATH ?? '/usr/bin:/bin' };
  for (const [name, value] of Object.entries(vars)) {
    if (name.startsWith('IBMCLOUD_') && value !== undefined) ibmEnv[name] = value;
  }
  ibmEnv.IBMCLOUD_API_KEY = apiKey!;
  const sh = ctx.loggingShell(log);
  const ibm = sh.with({ env: ibmEnv });
  const endpoint = options.endpoint ?? vars.IBMCLOUD_API_ENDPOINT ?? 'https://cloud.ibm.com';
  const group = options.resourceGroup ?? vars.IBMCLOUD_RESOURCE_GROUP;
  await ibm`ibmcloud login -a ${endpoint} -r ${region} ${group ? ['-g', group] : []}`;
  await mkdir(dirname(kubeconfig), { recursive: true });
  await ibm`ibmcloud ks cluster config --cluster ${cluster} --output yaml > ${kubeconfig}`;
  await chmod(kubeconfig, 0o600);
  await sh`kubectl --kubeconfig ${kubeconfig} config view --minify -o ${'jsonpath={.clusters[0].cluster.server}'}`;

  const web = new URL(ctx.env.repoUrl).origin;
  const email =
    options.gitEmail ?? vars.QUICKCD_GIT_EMAIL ?? vars.CD_EMAIL_ADDRESS ?? 'quickcd@localhost';
  await sh`git config --global user.name quickcd`;
  await sh`git config --global user.email ${email}`;
  await sh`git config --global ${`url.${web}/.insteadOf`} ${`git@${new URL(web).host}:`}`;
  log('IBM Cloud', `logged in (${region}); kubeconfig of ${cluster} written to ${kubeconfig}`);
  return { kubeconfig };
}
