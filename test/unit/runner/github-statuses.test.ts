import { describe, expect, it } from 'vitest';
import { truncateDescription } from '../../../runner/github-statuses.js';

describe('truncateDescription', () => {
  it('keeps GitHub status descriptions within 140 characters', () => {
    expect(truncateDescription('Deployed')).toBe('Deployed');
    const long = truncateDescription('é'.repeat(200));
    expect([...long]).toHaveLength(140);
    expect(long.endsWith('…')).toBe(true);
  });
});
