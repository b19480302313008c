import { badRequest } from './status.js';
import { isObject, text, type KubeObject } from './types.js';

/** One parsed selector requirement. */
export interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!=';
  values: string[];
}

/** A predicate over label maps. */
export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Parses a label selector (`a=b,c!=d,e in (f,g),h notin (i),j,!k`; comma means AND) as the
 * API server does; throws a 400 ApiError when it is malformed.
 */
export function parseLabelSelector(selector: string): Requirement[] {
  const reqs: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const p = part.trim();
    if (p === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(p))) {
      const values = (m[3] ?? '').split(',').map((v) => v.trim());
      reqs.push(checked({ key: m[1] ?? '', op: m[2] as 'in' | 'notin', values }, selector));
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(p))) {
      const op = m[2] === '!=' ? '!=' : '=';
      reqs.push(checked({ key: m[1] ?? '', op, values: [m[3] ?? ''] }, selector));
    } else if ((m = /^!\s*(\S+)$/.exec(p))) {
      reqs.push(checked({ key: m[1] ?? '', op: '!exists', values: [] }, selector));
    } else if (/^\S+$/.test(p)) {
      reqs.push(checked({ key: p, op: 'exists', values: [] }, selector));
    } else {
      throw badRequest(
        `unable to parse requirement: found '${p}', expected: '=', '!=', '==', 'in', notin'`,
      );
    }
  }
  return reqs;
}

/** A matcher for a label selector string (empty or undefined matches everything). */
export function labelMatcher(selector: string | undefined | null): LabelMatcher {
  if (!selector) return () => true;
  const reqs = parseLabelSelector(selector);
  return (labels) => reqs.every((r) => matches(r, labels ?? {}));
}

function matches(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const v = labels[r.key];
  switch (r.op) {
    case 'exists':
      return has;
    case '!exists':
      return !has;
    case '=':
    case 'in':
      return has && r.values.includes(v ?? '');
    case '!=':
    case 'notin':
      return !has || !r.values.includes(v ?? '');
  }
}

function checked(r: Requirement, selector: string): Requirement {
  if (!KEY.test(r.key) || r.key.length > 317) {
    throw badRequest(`unable to parse requirement: invalid label key "${r.key}" in "${selector}"`);
  }
  for (const v of r.values) {
    if (!VALUE.test(v) || v.length > 63) {
      throw badRequest(`unable to parse requirement: invalid label value: "${v}"`);
    }
  }
  return r;
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0)
    throw badRequest(`unable to parse requirement: unbalanced parentheses in "${s}"`);
  parts.push(cur);
  return parts;
}

/**
 * A matcher for a field selector (`metadata.name=x,status.phase!=Running`): `=`, `==` and `!=`
 * on any dotted path of the object (missing fields compare as '').
 */
export function fieldMatcher(selector: string | undefined | null): (o: KubeObject) => boolean {
  if (!selector) return () => true;
  const reqs = selector
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((p) => {
      const m = /^\s*([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(p);
      if (!m) throw badRequest(`invalid selector: '${selector}'; can't understand '${p}'`);
      return { path: (m[1] ?? '').split('.'), negate: m[2] === '!=', value: m[3] ?? '' };
    });
  return (o) =>
    reqs.every((r) => {
      let cur: unknown = o;
      for (const seg of r.path) cur = isObject(cur) ? cur[seg] : undefined;
      const actual = text(cur);
      return (actual === r.value) !== r.negate;
    });
}
