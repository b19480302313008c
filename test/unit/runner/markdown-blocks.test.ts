import { describe, expect, it } from 'vitest';
import {
  closeBlocks,
  commonDepth,
  openBlocksAt,
  reopenBlocks,
  scanBlocks,
} from '../../../runner/markdown-blocks.js';

const openAtEnd = (text: string) => openBlocksAt(scanBlocks(`${text}\n`), text.length + 1);

describe('scanBlocks', () => {
  it('tracks details and fences, innermost last', () => {
    const text = '<details><summary>npm test</summary>\n\n```\n$ npm test\nok\n';
    const open = openAtEnd(text);
    expect(open.map((b) => b.kind)).toEqual(['details', 'fence']);
    expect(open[0]?.open).toBe('<details><summary>npm test</summary>');
    expect(open[1]?.open).toBe('```');
  });

  it('ignores details tags inside a fence and closes a fence only with a long enough one', () => {
    const text = '````sh\n<details>\n```\nstill code\n````\nafter';
    expect(openAtEnd(text)).toEqual([]);
    expect(openAtEnd('````sh\n```\n').map((b) => b.open)).toEqual(['````sh']);
  });

  it('does not take inline code for a fence', () => {
    expect(openAtEnd('```inline``` text')).toEqual([]);
  });

  it('handles tilde fences and a closing details on the same line', () => {
    expect(openAtEnd('<details><summary>a</summary> body </details>\n~~~\ncode')).toHaveLength(1);
  });

  it('reports the blocks open at the start of a line', () => {
    const text = 'a\n```\ncode\n```\nb';
    const map = scanBlocks(text);
    expect(openBlocksAt(map, text.indexOf('code'))).toHaveLength(1);
    expect(openBlocksAt(map, text.indexOf('b'))).toHaveLength(0);
  });
});

describe('closeBlocks / reopenBlocks', () => {
  it('close innermost first and reopen outermost first', () => {
    const open = openAtEnd('<details><summary>s</summary>\n\n````ts\nx');
    expect(closeBlocks(open)).toBe('````\n\n</details>');
    expect(reopenBlocks(open)).toBe('<details><summary>s</summary>\n\n````ts\n');
    expect(closeBlocks([])).toBe('');
  });

  it('commonDepth compares blocks by where they opened', () => {
    const text = '<details>\n\n```\nfirst\n```\n\n```\nsecond\n';
    const map = scanBlocks(text);
    const first = openBlocksAt(map, text.indexOf('first'));
    const second = openBlocksAt(map, text.indexOf('second'));
    expect(commonDepth(first, second)).toBe(1);
    expect(commonDepth(first, first)).toBe(2);
  });
});
