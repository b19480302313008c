import { describe, expect, it } from 'vitest';
import {
  detectGap,
  diffWindow,
  highestId,
  idsNewestFirst,
  pruneSeen,
} from '../../../scheduler/poll-window.js';

describe('poll window', () => {
  it('orders ids numerically, never as strings', () => {
    expect(idsNewestFirst(['9', '10', '100', '10'])).toEqual(['100', '10', '9']);
    expect(highestId(['99999999999999999998', '100000000000000000000'])).toBe(
      '100000000000000000000',
    );
    expect(highestId([])).toBeUndefined();
  });

  it('keeps only the highest ids in the seen set', () => {
    const ids = Array.from({ length: 500 }, (_, i) => String(1000 + i));
    const kept = pruneSeen(ids);
    expect(kept).toHaveLength(400);
    expect(kept[0]).toBe('1499');
    expect(kept.at(-1)).toBe('1100');
  });

  it('finds new ids by membership and marks late ones', () => {
    const { fresh, late } = diffWindow(
      ['105', '104', '99', '98'],
      new Set(['104', '98', '100']),
      '104',
    );
    expect(fresh).toEqual(['105', '99']);
    expect([...late]).toEqual(['99']);
  });

  describe('detectGap', () => {
    const event = (id: number, minute: number) => ({
      id: String(id),
      created_at: new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString(),
    });

    it('is quiet when the window overlaps what was seen', () => {
      expect(
        detectGap({
          seenBefore: new Set(['10']),
          highestBefore: '10',
          fetched: [event(11, 1), event(10, 0)],
          windowExhausted: true,
          lastPollAt: undefined,
        }),
      ).toBeUndefined();
    });

    it('is quiet on a first run or an empty window', () => {
      const base = { highestBefore: undefined, windowExhausted: true, lastPollAt: undefined };
      expect(detectGap({ ...base, seenBefore: new Set(), fetched: [event(1, 0)] })).toBeUndefined();
      expect(detectGap({ ...base, seenBefore: new Set(['1']), fetched: [] })).toBeUndefined();
    });

    it('estimates the missed events from the rate of the window', () => {
      // 300 events, one a minute, from minute 100 to 399; last poll at minute 0.
      const fetched = Array.from({ length: 300 }, (_, i) => event(1000 + i, 100 + i));
      const gap = detectGap({
        seenBefore: new Set(['5']),
        highestBefore: '5',
        fetched,
        windowExhausted: true,
        lastPollAt: new Date(Date.UTC(2024, 0, 1, 0, 0)).toISOString(),
      });
      expect(gap?.missed).toBe(100);
    });

    it('warns when the seen events aged out of a partial window, at least one missed', () => {
      const gap = detectGap({
        seenBefore: new Set(['5']),
        highestBefore: '5',
        fetched: [event(50, 3)],
        windowExhausted: false,
        lastPollAt: undefined,
      });
      expect(gap).toEqual({ missed: 1, seenBefore: 1, fetched: 1 });
    });
  });
});
