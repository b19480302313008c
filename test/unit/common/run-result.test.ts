import { describe, expect, it } from 'vitest';
import { RESULT_LIMIT_BYTES, encodeRunResult, parseRunResult } from '../../../common/run-result.js';

describe('run result', () => {
  it('round-trips', () => {
    const result = {
      eventId: '45123456789',
      results: [
        { name: 'deploy', lane: 'blocking' as const, ok: false, durationMs: 12, error: 'exit 1' },
      ],
      filterErrors: [],
    };
    expect(parseRunResult(encodeRunResult(result))).toEqual(result);
  });

  it('always fits a termination message, shortening errors', () => {
    const results = Array.from({ length: 20 }, (_, i) => ({
      name: `handler-${i}`,
      lane: 'blocking' as const,
      ok: false,
      durationMs: 1,
      error: 'x'.repeat(5000),
    }));
    const text = encodeRunResult({ eventId: '1', results, filterErrors: [] });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(RESULT_LIMIT_BYTES);
    expect(parseRunResult(text)?.results).toHaveLength(20);
  });

  it('rejects what is not a result', () => {
    expect(parseRunResult('{"eventId":1}')).toBeUndefined();
    expect(parseRunResult('not json')).toBeUndefined();
  });
});
