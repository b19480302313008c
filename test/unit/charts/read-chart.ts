// Reads the Helm chart and the Dockerfiles without helm or docker: the chart's YAML files are
// parsed as they are; templates are reduced to a "skeleton" (directive-only lines dropped,
// inline `{{ … }}` replaced by a placeholder) that is still YAML, so their structure can be
// checked.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAllYaml, loadYaml } from '@kubernetes/client-node';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const chartDir = `${repoRoot}charts/quickcd/`;
export const templatesDir = `${chartDir}templates/`;

/** The placeholder an inline template expression becomes in a skeleton. */
export const TPL = '__tpl__';

export const readRepoFile = (path: string): string => readFileSync(`${repoRoot}${path}`, 'utf8');
export const repoFileExists = (path: string): boolean => existsSync(`${repoRoot}${path}`);

export const readYaml = <T = Record<string, unknown>>(path: string): T =>
  loadYaml<T>(readRepoFile(path));

/** Template file names: the YAML manifests, `_helpers.tpl`, `NOTES.txt`. */
export const templateFiles = (): string[] => readdirSync(templatesDir).sort();

export const readTemplate = (name: string): string =>
  readFileSync(`${templatesDir}${name}`, 'utf8');

/** The YAML a manifest template leaves once its template actions are stripped. */
export function skeleton(template: string): string {
  return template
    .replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '')
    .split('\n')
    .filter((line) => !/^\s*(\{\{[^}]*\}\}\s*)+$/.test(line))
    .map((line) => line.replace(/\{\{-?[^}]*?-?\}\}/g, TPL))
    .join('\n');
}

/** The non-empty documents of a manifest template's skeleton. */
export function skeletonDocuments(name: string): Record<string, unknown>[] {
  return loadAllYaml(skeleton(readTemplate(name))).filter(
    (doc): doc is Record<string, unknown> => doc !== null && typeof doc === 'object',
  );
}

/** Every `.Values.a.b` path a template refers to, as `a.b`. */
export function valuesReferences(template: string): string[] {
  return [...template.matchAll(/\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((m) =>
    (m[1] ?? '').slice(1),
  );
}

/** Leaf paths of a values object (`image.repository`, …); empty maps and lists are leaves. */
export function leafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
}

/** Whether `path` (`a.b.c`) names a key that exists in `values`. */
export function hasPath(values: unknown, path: string): boolean {
  let node: unknown = values;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
    if (!Object.hasOwn(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** A Dockerfile's instructions, continuation lines joined, comments dropped. */
export function dockerInstructions(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*(#|$)/.test(line)) continue;
    if (/^\s*#/.test(line)) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  if (current !== '') logical.push(current);
  return logical.map((line) => {
    const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(line);
    return { keyword: (match?.[1] ?? '').toUpperCase(), args: (match?.[2] ?? '').trim() };
  });
}
