import { describe, expect, it } from 'vitest';
import {
  COMMENT_LIMIT,
  composeCommentBody,
  contentBudget,
} from '../../../runner/compose-comment-body.js';

describe('composeCommentBody', () => {
  const header = '## prod/eu/c1: deploy';

  it('heads the first comment and links the next once it exists', () => {
    expect(composeCommentBody({ header, content: 'x', index: 0 })).toBe(`${header}\n\nx`);
    expect(composeCommentBody({ header, content: 'x', index: 0, nextUrl: 'https://n' })).toBe(
      `${header}\n\nx\n\n*… continued in https://n*`,
    );
  });

  it('marks a continuation and links back', () => {
    expect(composeCommentBody({ header, content: 'y', index: 1, previousUrl: 'https://p' })).toBe(
      `${header} (continued)\n\n*Continued from https://p*\n\ny`,
    );
  });

  it('never passes the limit with a full budget of content and long links', () => {
    const content = 'z'.repeat(contentBudget(header));
    const url = `https://github.example/${'a'.repeat(400)}`;
    const body = composeCommentBody({ header, content, index: 1, previousUrl: url, nextUrl: url });
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT);
    expect(body.endsWith(`continued in ${url}*`)).toBe(true);
  });
});
