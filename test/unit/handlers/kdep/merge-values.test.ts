import { describe, expect, it } from 'vitest';
import { mergeValues, valuesFileNames } from '../../../../handlers/kdep/merge-values.js';

describe('mergeValues', () => {
  it('merges maps deeply, the later layer winning, and replaces lists whole', () => {
    const base = {
      image: { repository: 'acme/api', tag: '1.0', pullPolicy: 'IfNotPresent' },
      hosts: ['a.example', 'b.example'],
      replicas: 1,
    };
    const env = { image: { tag: '1.1' }, hosts: ['staging.example'] };
    const region = { image: { tag: '1.2' }, replicas: 3 };
    expect(mergeValues(base, env, region)).toEqual({
      image: { repository: 'acme/api', tag: '1.2', pullPolicy: 'IfNotPresent' },
      hosts: ['staging.example'],
      replicas: 3,
    });
  });

  it('unsets a key given null, replaces a map by a scalar and leaves its inputs alone', () => {
    const base = { a: { b: 1, c: 2 }, d: { e: 1 } };
    const over = { a: { c: null }, d: 'flat' };
    expect(mergeValues(base, over)).toEqual({ a: { b: 1 }, d: 'flat' });
    expect(base).toEqual({ a: { b: 1, c: 2 }, d: { e: 1 } });
    const merged = mergeValues(base);
    (merged.a as Record<string, unknown>).b = 9;
    expect(base.a.b).toBe(1);
  });

  it('names the staggered files most general first', () => {
    expect(valuesFileNames('prod', 'us-east')).toEqual([
      'values.yaml',
      'prod-values.yaml',
      'us-east-prod-values.yaml',
    ]);
    expect(valuesFileNames('staging')).toEqual(['values.yaml', 'staging-values.yaml']);
  });
});
