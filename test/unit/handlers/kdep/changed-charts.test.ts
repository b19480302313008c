import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedCharts } from '../../../../handlers/kdep/changed-charts.js';
import { readChart } from '../../../../handlers/kdep/read-chart.js';
import { createShell } from '../../../../handlers/shell.js';
import { tempDir } from '../../../support/fixtures.js';

function repo() {
  const dir = tempDir('quickcd-kdep-');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    })
      .toString()
      .trim();
  const write = (files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  };
  const commit = (files: Record<string, string>, remove: string[] = []) => {
    write(files);
    for (const path of remove) rmSync(join(dir, path), { recursive: true });
    git('add', '-A');
    git('commit', '-q', '-m', 'change');
    return git('rev-parse', 'HEAD');
  };
  git('init', '-q', '-b', 'main');
  return { dir, commit, write };
}

const chart = (name: string) => ({
  [`${name}/Chart.yaml`]: `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
  [`${name}/values.yaml`]: 'replicas: 1\n',
});

describe('changedCharts (a real git repository)', () => {
  it('lists the top-level chart directories a range changed, not other files', async () => {
    const r = repo();
    const first = r.commit({ ...chart('api-orders'), ...chart('api-users'), 'README.md': 'x' });
    const second = r.commit({
      'api-users/values.yaml': 'replicas: 2\n',
      'README.md': 'y',
      'docs/notes.md': 'not a chart',
    });
    const third = r.commit({ 'api-orders/templates/cm.yaml': 'kind: ConfigMap\n' });
    const sh = createShell({ cwd: r.dir, env: process.env, quiet: true });
    expect(await changedCharts(sh, r.dir, first, second)).toEqual(['api-users']);
    expect(await changedCharts(sh, r.dir, first, third)).toEqual(['api-orders', 'api-users']);
    expect(await changedCharts(sh, r.dir, second, second)).toEqual([]);
    // A new branch (before is zeros): every chart.
    expect(await changedCharts(sh, r.dir, '0'.repeat(40), third)).toEqual([
      'api-orders',
      'api-users',
    ]);
  });

  it('leaves out a chart the range deleted', async () => {
    const r = repo();
    const first = r.commit({ ...chart('web-a'), ...chart('web-b') });
    const second = r.commit({ 'web-a/values.yaml': 'x: 1\n' }, ['web-b']);
    const sh = createShell({ cwd: r.dir, env: process.env, quiet: true });
    expect(await changedCharts(sh, r.dir, first, second)).toEqual(['web-a']);
  });
});

describe('readChart', () => {
  it('merges values.yaml → <env>-values.yaml → <region>-<env>-values.yaml and reads the kdep keys', () => {
    const r = repo();
    r.write({
      ...chart('api-orders'),
      'api-orders/values.yaml':
        'image: { tag: "1" , repository: acme/orders }\nhosts: [a, b]\ncontinuousDeployment: { enabled: false }\n',
      'api-orders/prod-values.yaml':
        'image: { tag: "2" }\nhosts: [p]\ncontinuousDeployment:\n  enabled: true\n  integrationTests:\n    api-orders-test: {}\n',
      'api-orders/eu-prod-values.yaml': 'image: { tag: "3" }\n',
    });
    const c = readChart(r.dir, 'api-orders', { environment: 'prod', region: 'eu' });
    expect(c.namespace).toBe('api');
    expect(c.enabled).toBe(true);
    expect(c.integrationTests).toEqual(['api-orders-test']);
    expect(c.values.image).toEqual({ tag: '3', repository: 'acme/orders' });
    expect(c.values.hosts).toEqual(['p']);
    expect(c.valuesFiles).toEqual([
      'api-orders/values.yaml',
      'api-orders/prod-values.yaml',
      'api-orders/eu-prod-values.yaml',
    ]);
    const staging = readChart(r.dir, 'api-orders', { environment: 'staging', region: 'eu' });
    expect(staging.enabled).toBe(false);
    expect(staging.valuesFiles).toEqual(['api-orders/values.yaml']);
  });

  it('rejects a Chart.yaml whose name is not its directory, and bad YAML, naming the file', () => {
    const r = repo();
    r.write({
      'api-x/Chart.yaml': 'apiVersion: v2\nname: other\nversion: 0.1.0\n',
      ...chart('api-y'),
      'api-y/values.yaml': 'a: [unclosed\n',
    });
    expect(() => readChart(r.dir, 'api-x', { environment: 'prod' })).toThrow(
      /api-x\/Chart.yaml names the chart "other": it must match its directory "api-x"/,
    );
    expect(() => readChart(r.dir, 'api-y', { environment: 'prod' })).toThrow(
      /api-y\/values.yaml is not valid YAML/,
    );
  });
});
