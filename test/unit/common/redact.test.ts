import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../../common/redact.js';
import { createLineWriter } from '../../../runner/line-writer.js';

describe('createRedactor', () => {
  it('replaces every secret, longest first, and ignores values too short to protect', () => {
    const redact = createRedactor(['ghp_secret', 'ghp_secret_longer', 'ab', undefined]);
    expect(redact('a ghp_secret_longer b ghp_secret c ab')).toBe('a *** b *** c ab');
  });

  it('treats secrets as literal text, not patterns', () => {
    expect(createRedactor(['a.b*c+d'])('xa.b*c+dx aXbbc')).toBe('x***x aXbbc');
  });
});

describe('createLineWriter', () => {
  it('redacts a secret split across chunks', () => {
    const out: string[] = [];
    const writer = createLineWriter((t) => out.push(t), createRedactor(['ghp_secret']));
    writer.write('token ghp_se');
    writer.write('cret here\nnext');
    writer.end();
    expect(out.join('')).toBe('token *** here\nnext');
  });
});
