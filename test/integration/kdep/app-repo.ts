import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../../support/fixtures.js';

/** A throwaway App repository (a real git repository) whose commits the tests push. */
export interface AppRepo {
  readonly dir: string;
  /** Writes (or, given null, deletes) files, commits, returns the new commit's sha. */
  commit(files: Record<string, string | null>, message?: string): string;
  /** The sha of HEAD. */
  head(): string;
  git(...args: string[]): string;
}

export function createAppRepo(branch = 'staging'): AppRepo {
  const dir = tempDir('quickcd-app-');
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Mona',
        GIT_AUTHOR_EMAIL: 'mona@example.com',
        GIT_COMMITTER_NAME: 'Mona',
        GIT_COMMITTER_EMAIL: 'mona@example.com',
      },
    })
      .toString()
      .trim();
  git('init', '-q', '-b', branch);
  return {
    dir,
    git,
    head: () => git('rev-parse', 'HEAD'),
    commit(files, message = 'change') {
      for (const [path, text] of Object.entries(files)) {
        const file = join(dir, path);
        if (text === null) {
          rmSync(file, { recursive: true, force: true });
        } else {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, text);
        }
      }
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD');
    },
  };
}

const chartYaml = (name: string) => `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`;

/** A chart of one ConfigMap holding `message`. */
export function configMapChart(name: string, message: string, enabled = true) {
  return {
    [`${name}/Chart.yaml`]: chartYaml(name),
    [`${name}/values.yaml`]: `message: ${JSON.stringify(message)}\ncontinuousDeployment:\n  enabled: ${enabled}\n`,
    [`${name}/templates/configmap.yaml`]: [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'data:',
      '  message: {{ .Values.message | quote }}',
      '',
    ].join('\n'),
  };
}

/**
 * A chart whose Deployment runs a Pod (through the test node agent) with the kdep secret
 * `token` as an environment variable, tested by the `<name>-test` chart.
 */
export function deploymentChart(name: string, message: string, secretRef = 'web-token') {
  return {
    [`${name}/Chart.yaml`]: chartYaml(name),
    [`${name}/values.yaml`]: [
      `message: ${JSON.stringify(message)}`,
      'continuousDeployment:',
      '  enabled: true',
      '  integrationTests:',
      `    - ${name}-test`,
      'kdep:',
      '  secrets:',
      `    token: ${secretRef}`,
      '',
    ].join('\n'),
    // the staging environment's replicas; a production file the staging runs must ignore
    [`${name}/staging-values.yaml`]: 'replicas: 1\n',
    [`${name}/production-values.yaml`]: 'replicas: 5\n',
    [`${name}/templates/deployment.yaml`]: [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  replicas: {{ .Values.replicas }}',
      '  selector:',
      '    matchLabels: { app: {{ .Release.Name }} }',
      '  template:',
      '    metadata:',
      '      labels: { app: {{ .Release.Name }} }',
      '      annotations: { message: {{ .Values.message | quote }} }',
      '    spec:',
      '      terminationGracePeriodSeconds: 1',
      '      containers:',
      '        - name: web',
      '          image: busybox',
      '          command: ["sh", "-c", "sleep 3600"]',
      '          env:',
      '            - name: TOKEN',
      '              valueFrom:',
      '                secretKeyRef:',
      '                  name: {{ .Values.kdep.secrets.token }}',
      '                  key: value',
      '',
    ].join('\n'),
  };
}

/** An integration-test chart: a Job that passes when `result` is `pass`. */
export function testChart(name: string, result: 'pass' | 'fail', sleepSeconds = 0) {
  return {
    [`${name}/Chart.yaml`]: chartYaml(name),
    [`${name}/values.yaml`]: `result: ${result}\nsleep: ${sleepSeconds}\n`,
    [`${name}/templates/job.yaml`]: [
      'apiVersion: batch/v1',
      'kind: Job',
      'metadata:',
      '  name: {{ .Release.Name }}',
      'spec:',
      '  backoffLimit: 0',
      '  template:',
      '    spec:',
      '      restartPolicy: Never',
      '      containers:',
      '        - name: test',
      '          image: busybox',
      '          command: ["sh", "-c", "echo integration test says {{ .Values.result }}; sleep {{ .Values.sleep | default 0 }}; test {{ .Values.result }} = pass"]',
      '',
    ].join('\n'),
  };
}

/** A chart the API server refuses (a ConfigMap name with capitals and an underscore). */
export function brokenChart(name: string) {
  return {
    [`${name}/Chart.yaml`]: chartYaml(name),
    [`${name}/values.yaml`]: 'continuousDeployment:\n  enabled: true\n',
    [`${name}/templates/configmap.yaml`]:
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Valid_Name\ndata: {}\n',
  };
}
