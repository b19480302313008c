// The iks flavour's init step (iksInit from quickcd/kdep) run by `quickcd run` with a recorded
// `ibmcloud` stand-in first on PATH (it records its arguments and a hash of the API key it
// received, and prints a kubeconfig holding a token), and the real kubectl and git.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { clusterBinDir } from '../../support/cluster/cluster-bin-dir.js';
import { describeCluster } from '../../support/cluster/describe-cluster.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const API_KEY = 'ibm-api-key-Zq81xT0p';
const KUBE_TOKEN = 'kube-bearer-token-77aa1';
const GITHUB_TOKEN = 'ghp_iksinittoken0000000000000000000001';

const STAND_IN = `#!/usr/bin/env bash
# A recorded ibmcloud: what it was asked, and whether the key came in its environment.
{
  printf 'argv:'; printf ' %s' "$@"; printf '\\n'
  printf 'key-sha256: %s\\n' "$(printf %s "\${IBMCLOUD_API_KEY:-}" | sha256sum | cut -d' ' -f1)"
  printf 'github-token-seen: %s\\n' "\${QUICKCD_GITHUB_TOKEN:+yes}"
} >> "$IBMCLOUD_RECORD"
case "$1 $2 $3" in
  "login -a https://cloud.ibm.com") echo "Authenticating... OK" ;;
  "ks cluster config")
    cat <<YAML
apiVersion: v1
kind: Config
clusters:
- name: mycluster/abc
  cluster: { server: "https://c100.us-south.containers.cloud.ibm.com:31234" }
users:
- name: admin
  user: { token: "${KUBE_TOKEN}" }
contexts:
- name: mycluster/abc
  context: { cluster: mycluster/abc, user: admin }
current-context: mycluster/abc
YAML
    ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

const HANDLERS = `
import { on } from 'quickcd';
import { iksInit } from 'quickcd/kdep';
on('PushEvent', async function deploy(payload, ctx) {
  const log = ctx.commitLogger(payload.head);
  await iksInit(ctx, log);
  await ctx.loggingShell(log)\`kubectl config current-context\`;
});
`;

describeCluster('iksInit (recorded ibmcloud)', {}, () => {
  it('logs in with the key in the environment only, writes the kubeconfig, sets git up', async () => {
    const dir = tempDir('quickcd-iks-');
    const bin = join(dir, 'bin');
    const home = join(dir, 'home');
    mkdirSync(bin);
    mkdirSync(home);
    writeFileSync(join(bin, 'ibmcloud'), STAND_IN);
    chmodSync(join(bin, 'ibmcloud'), 0o755);
    writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
    writeFileSync(
      join(dir, 'events.json'),
      JSON.stringify([makeEvent('PushEvent', pushPayload('refs/heads/production'))]),
    );
    const record = join(dir, 'record.txt');
    const r = await runCli(
      ['run', '--events', join(dir, 'events.json'), '--handlers', join(dir, 'handlers.ts')],
      {
        env: {
          PATH: `${bin}:${clusterBinDir()}:${process.env.PATH ?? ''}`,
          HOME: home,
          IBMCLOUD_API_KEY: API_KEY,
          IBMCLOUD_RECORD: record,
          QUICKCD_SECRET_ENV: 'IBMCLOUD_API_KEY',
          QUICKCD_GITHUB_TOKEN: GITHUB_TOKEN,
          QUICKCD_REGION: 'us-south',
          QUICKCD_CLUSTER: 'mycluster',
        },
      },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const sha = createHash('sha256').update(API_KEY).digest('hex');
    expect(readFileSync(record, 'utf8')).toBe(
      [
        'argv: login -a https://cloud.ibm.com -r us-south',
        `key-sha256: ${sha}`,
        'github-token-seen: ',
        'argv: ks cluster config --cluster mycluster --output yaml',
        `key-sha256: ${sha}`,
        'github-token-seen: ',
        '',
      ].join('\n'),
    );
    const kubeconfig = join(home, '.kube', 'config');
    expect(readFileSync(kubeconfig, 'utf8')).toContain(KUBE_TOKEN);
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
    // the next commands use it
    expect(r.stdout).toContain('https://c100.us-south.containers.cloud.ibm.com:31234');
    expect(r.stdout).toMatch(/✅ <code>kubectl config current-context<\/code>/);
    expect(r.stdout).toContain('mycluster/abc');
    for (const secret of [API_KEY, KUBE_TOKEN, GITHUB_TOKEN]) {
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    const gitConfig = readFileSync(join(home, '.gitconfig'), 'utf8');
    expect(gitConfig).not.toContain(GITHUB_TOKEN);
    const git = (...args: string[]) =>
      execFileSync('git', args, { env: { HOME: home, PATH: process.env.PATH } })
        .toString()
        .trim();
    expect(git('config', '--global', 'user.name')).toBe('quickcd');
    expect(git('config', '--global', 'url.https://github.com/.insteadOf')).toBe('git@github.com:');
  });

  it('names what is missing', async () => {
    const dir = tempDir('quickcd-iks-');
    writeFileSync(join(dir, 'handlers.ts'), HANDLERS);
    writeFileSync(
      join(dir, 'events.json'),
      JSON.stringify([makeEvent('PushEvent', pushPayload('refs/heads/production'))]),
    );
    const r = await runCli(
      ['run', '--events', join(dir, 'events.json'), '--handlers', join(dir, 'handlers.ts')],
      { env: { QUICKCD_REGION: 'us-south' } },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'iksInit needs IBMCLOUD_API_KEY (the API key, from a Secret; or IBMCLOUD_API_KEY_FILE), QUICKCD_CLUSTER (the cluster name or id)',
    );
  });
});
