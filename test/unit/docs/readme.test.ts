import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { settings, type Setting } from '../../../common/config.js';
import { settingDefault } from '../../../common/describe-config.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section "## ${heading}"`).toBeGreaterThan(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

const codeSpans = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe('README', () => {
  it('has a configuration table that matches the schema, one row per setting', () => {
    const rows = section('Configuration')
      .split('\n')
      .filter((l) => l.startsWith('| `') || l.startsWith('| KUBECONFIG'))
      .map((l) =>
        l
          .slice(1, -1)
          .split(/(?<!\\)\|/)
          .map((c) => c.trim()),
      );
    const documented = rows.map(([variables = '', flag = '', defaultCell = '']) => ({
      env: codeSpans(variables)
        .map((n) => /^[A-Z][A-Z0-9_]*/.exec(n)?.[0])
        .filter((n) => n !== undefined),
      flag: codeSpans(flag)[0],
      default: defaultCell.replace(/`/g, ''),
    }));
    const expected = Object.values(settings as Record<string, Setting>).map((s) => ({
      env: [
        ...s.env,
        ...(s.legacy?.match(/[A-Z][A-Z0-9_]+/g) ?? []).filter((n) => n.includes('_')),
      ],
      flag: s.flag === undefined ? undefined : `--${s.flag}`,
      default: settingDefault(s),
    }));
    expect(documented).toEqual(expected);
  });

  it('gives every section a heading (the development commands included)', () => {
    const lastHeading = readme.lastIndexOf('\n## ');
    const lastFence = readme.lastIndexOf('```sh\nnpm ci');
    expect(lastFence).toBeGreaterThan(0);
    expect(readme.slice(lastHeading, lastFence)).toMatch(/^\n## Development\n/);
  });

  it('installs the chart with an image the user built: the default is a placeholder', () => {
    const install = /^helm install (?:[^\n]*\\\n)*[^\n]*/m.exec(
      section('Install in a cluster (Helm)'),
    );
    expect(install?.[0]).toMatch(
      /--set image\.repository=(?!ghcr\.io\/quickcd\/)\S+\/quickcd\/runner /,
    );
  });

  it('names the handler of its flagship example', () => {
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    expect(example).toContain("on('PushEvent'");
    expect(example).toMatch(/name: '[a-z-]+'|async function [a-z]\w*\(/);
  });
});
