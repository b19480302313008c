// The three runner images, checked without docker: non-root, versions pinned by ARG, each
// flavour built on the previous one, and no build argument used where Docker does not see it.
import { describe, expect, it } from 'vitest';
import {
  type Instruction,
  dockerInstructions,
  readRepoFile,
  repoFileExists,
} from './read-chart.js';

const flavours = ['base', 'kdep', 'iks'] as const;
const dockerfile = (flavour: string): Instruction[] =>
  dockerInstructions(readRepoFile(`images/${flavour}/Dockerfile`));
const argsOf = (instructions: Instruction[], keyword: string): string[] =>
  instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** `ARG NAME=default` → [NAME, default]. */
const declared = (args: string): [string, string | undefined] => {
  const [name = '', value] = args.split(/=(.*)/s);
  return [name, value?.replace(/^"(.*)"$/, '$1')];
};

describe.each(flavours)('images/%s/Dockerfile', (flavour) => {
  const instructions = dockerfile(flavour);

  it('exists and ends as the non-root user 1000', () => {
    expect(repoFileExists(`images/${flavour}/Dockerfile`)).toBe(true);
    const users = argsOf(instructions, 'USER');
    expect(users.at(-1)).toMatch(/^1000(:1000)?$/);
  });

  it('pins tool versions with ARGs that have defaults, and never asks for "latest"', () => {
    const versions = argsOf(instructions, 'ARG')
      .map(declared)
      .filter(([name]) => /_(VERSION|COMMIT)$/.test(name));
    expect(versions.length).toBeGreaterThan(0);
    for (const [name, value] of versions) {
      if (/PLUGIN_VERSION$/.test(name)) continue; // ibmcloud plugins: empty = current, documented
      expect(value, name).toMatch(/^[\w.-]+$/);
    }
    expect(readRepoFile(`images/${flavour}/Dockerfile`)).not.toMatch(/[:/]latest\b/);
  });

  it('uses only build arguments and variables declared in the same stage', () => {
    let known = new Set<string>();
    const problems: string[] = [];
    for (const { keyword, args } of instructions) {
      if (keyword === 'FROM') known = new Set();
      if (keyword === 'ARG') known.add(declared(args)[0]);
      if (keyword === 'ENV') {
        for (const m of args.matchAll(/([A-Z_][A-Z0-9_]*)=/g)) known.add(m[1] ?? '');
      }
      if (keyword === 'RUN' || keyword === 'COPY' || keyword === 'WORKDIR') {
        // variables the command itself assigns (`export X=…`, `${X:=…}`) are its own
        const local = new Set([...args.matchAll(/\b([A-Z_][A-Z0-9_]*):?=/g)].map((m) => m[1]));
        for (const m of args.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)) {
          const name = m[1] ?? '';
          if (!known.has(name) && !local.has(name) && !['HOME', 'PATH'].includes(name))
            problems.push(`${keyword}: ${name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('verifies what it downloads', () => {
    const runs = argsOf(instructions, 'RUN').filter((r) => /curl -/.test(r));
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run).toMatch(/sha256sum --check/);
  });
});

describe('images/base/Dockerfile', () => {
  const instructions = dockerfile('base');
  const text = readRepoFile('images/base/Dockerfile');

  it('builds quickcd in a separate stage on Node LTS (bookworm-slim)', () => {
    const from = argsOf(instructions, 'FROM');
    expect(from).toEqual([
      'node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim AS build',
      'node:${NODE_VERSION}-${DEBIAN_RELEASE}-slim',
    ]);
    const args = new Map(argsOf(instructions, 'ARG').map(declared));
    expect(args.get('NODE_VERSION')).toBe('22');
    expect(args.get('DEBIAN_RELEASE')).toBe('bookworm');
    const runs = argsOf(instructions, 'RUN').join('\n');
    expect(runs).toMatch(/npm ci\b/);
    expect(runs).toMatch(/npm run build\b/);
    expect(runs).toMatch(/npm prune --omit=dev\b/);
  });

  it('has the tools handlers expect', () => {
    const install = argsOf(instructions, 'RUN').find((r) => r.includes('apt-get install')) ?? '';
    for (const pkg of ['git', 'bash', 'curl', 'ca-certificates', 'openssh-client', 'jq']) {
      expect(install.split(/\s+/), pkg).toContain(pkg);
    }
    expect(text).toMatch(/dl\.k8s\.io\/release\/\$\{KUBECTL_VERSION\}/);
  });

  it('puts quickcd on PATH and starts it from /work', () => {
    expect(text).toContain('ln -s /opt/quickcd/bin/quickcd.js /usr/local/bin/quickcd');
    expect(argsOf(instructions, 'WORKDIR').at(-1)).toBe('/work');
    expect(argsOf(instructions, 'ENTRYPOINT')).toEqual(['["quickcd"]']);
  });

  it("makes the runner's startup snapshot again in the final stage, where runners start", () => {
    // A snapshot fits one Node.js binary and one directory (runner/runner-snapshot-file.ts):
    // the one `npm run build` made in /src would be refused in /opt/quickcd.
    const final = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'));
    const copied = final.findIndex((i) => i.args.includes('/src/dist /opt/quickcd/dist'));
    const made = final.findIndex((i) => i.keyword === 'RUN' && i.args.includes('--build-snapshot'));
    expect(copied).toBeGreaterThan(0);
    expect(made).toBeGreaterThan(copied);
    expect(final[made]!.args).toMatch(
      /node --snapshot-blob \/opt\/quickcd\/dist\/bundle\/runner\.blob\s+--build-snapshot \/opt\/quickcd\/dist\/bundle\/runner-snapshot\.cjs/,
    );
    // Before USER: the directory is root's and read-only for the runners.
    expect(made).toBeLessThan(final.findIndex((i) => i.keyword === 'USER'));
  });
});

describe.each([
  ['kdep', 'base'],
  ['iks', 'kdep'],
])('images/%s/Dockerfile', (flavour, previous) => {
  const instructions = dockerfile(flavour);

  it(`builds FROM the ${previous} flavour`, () => {
    expect(argsOf(instructions, 'FROM')).toEqual(['${BASE_IMAGE}']);
    const baseImage = argsOf(instructions, 'ARG')
      .map(declared)
      .find(([name]) => name === 'BASE_IMAGE');
    expect(baseImage?.[1]).toMatch(new RegExp(`:${previous}$`));
    // the ARG that FROM uses is declared before it
    expect(instructions[0]).toMatchObject({ keyword: 'ARG' });
  });
});

describe('flavour tools', () => {
  it('kdep: helm 3, kdep pinned by commit, yq 3 (the syntax kdep calls)', () => {
    const text = readRepoFile('images/kdep/Dockerfile');
    expect(text).toMatch(/ARG HELM_VERSION=v3\.\d+\.\d+/);
    expect(text).toMatch(/ARG KDEP_COMMIT=[0-9a-f]{40}\b/);
    expect(text).toMatch(/ARG YQ_VERSION=3\.\d+\.\d+/);
    expect(text).toMatch(
      /install -m 0755 \/tmp\/kdep\/kdep \/tmp\/kdep\/kdep-merge-inherited-values /,
    );
    for (const helper of ['base64encode', 'base64decode', 'sha256sum']) {
      expect(text).toContain(`> /usr/local/bin/kdep-${helper}`);
    }
  });

  it('iks: the IBM Cloud CLI with the kubernetes-service and container-registry plugins', () => {
    const text = readRepoFile('images/iks/Dockerfile');
    expect(text).toMatch(/ARG IBMCLOUD_CLI_VERSION=\d+\.\d+\.\d+/);
    expect(text).toContain('plugin install kubernetes-service');
    expect(text).toContain('plugin install container-registry');
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, build output, git and tests out of the build context', () => {
    const ignored = readRepoFile('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['node_modules', 'dist', '.git', 'coverage', 'test']),
    );
  });
});
