import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QuickcdError } from '../../../common/errors.js';
import { compareEventIds, parseEvent } from '../../../handlers/event.js';

const examples = JSON.parse(
  readFileSync(new URL('../../../handlers/examples/events.json', import.meta.url), 'utf8'),
) as unknown[];

describe('parseEvent', () => {
  it('accepts every shipped Events API example', () => {
    expect(examples.map((e) => parseEvent(e).type)).toContain('PushEvent');
  });

  it('names the field of a malformed event', () => {
    const broken = { ...(examples[0] as object), id: 'abc', repo: { id: 1, name: 'no-slash' } };
    let error: unknown;
    try {
      parseEvent(broken, '[3]');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QuickcdError);
    expect((error as QuickcdError).code).toBe('EVENT_INVALID');
    expect((error as Error).message).toMatch(/\[3\]\.id: expected a decimal event id/);
    expect((error as Error).message).toMatch(/\[3\]\.repo\.name: expected "owner\/name"/);
  });

  it('rejects a missing payload and a non-object', () => {
    expect(() => parseEvent({ ...(examples[0] as object), payload: undefined })).toThrow(/payload/);
    expect(() => parseEvent(42)).toThrow(/Malformed event/);
  });
});

describe('compareEventIds', () => {
  it('compares numerically, beyond 2^53 and across lengths', () => {
    expect(compareEventIds('9', '10')).toBe(-1);
    expect(compareEventIds('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareEventIds('45123456789', '45123456789')).toBe(0);
    expect(['100', '99', '1000'].sort(compareEventIds)).toEqual(['99', '100', '1000']);
  });
});
