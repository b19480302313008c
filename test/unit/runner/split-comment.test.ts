import { describe, expect, it } from 'vitest';
import { openBlocksAt, scanBlocks } from '../../../runner/markdown-blocks.js';
import { splitComment } from '../../../runner/split-comment.js';

const balanced = (text: string) =>
  openBlocksAt(scanBlocks(`${text}\n`), text.length + 1).length === 0;
const details = (summary: string, lines: number) =>
  `<details><summary>${summary}</summary>\n\n\`\`\`\n${Array.from({ length: lines }, (_, i) => `${summary} output ${i}`).join('\n')}\n\`\`\`\n\n</details>`;

describe('splitComment', () => {
  it('keeps a small log in one comment, sections blank-line separated', () => {
    expect(splitComment(['**a**', '**b**'], { budget: 1000 })).toEqual(['**a**\n\n**b**']);
    expect(splitComment([], { budget: 1000 })).toEqual(['']);
  });

  it('starts the next comment at a section when little room is left', () => {
    const a = 'a'.repeat(900);
    const b = 'b'.repeat(500);
    expect(splitComment([a, b], { budget: 1000, minCut: 200 })).toEqual([a, b]);
  });

  it('cuts a section that does not fit at a line end, closing and reopening its blocks', () => {
    const sections = ['x'.repeat(1_200), details('helm upgrade', 60)];
    expect(sections[1]?.length).toBeGreaterThan(1_000);
    const chunks = splitComment(sections, { budget: 2_000, minCut: 200 });
    expect(chunks).toHaveLength(2);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(2_000);
      expect(balanced(chunk)).toBe(true);
    }
    expect(chunks[0]).toMatch(/^x{1200}\n\n<details><summary>helm upgrade<\/summary>\n\n```\n/);
    expect(chunks[0]).toMatch(/output \d+\n```\n\n<\/details>$/);
    expect(chunks[1]).toMatch(
      /^<details><summary>helm upgrade<\/summary>\n\n```\nhelm upgrade output \d+\n/,
    );
    // Nothing is lost and nothing repeated: every output line appears exactly once.
    const all = chunks.join('\n');
    for (let i = 0; i < 60; i++) {
      expect(all.split(`helm upgrade output ${i}\n`).length - 1).toBe(1);
    }
  });

  it('keeps filled comments unchanged as sections are added', () => {
    const sections = Array.from({ length: 40 }, (_, i) => details(`step ${i}`, 10 + (i % 7) * 5));
    const before = splitComment(sections.slice(0, 30), { budget: 3_000 });
    const after = splitComment(sections, { budget: 3_000 });
    expect(after.slice(0, before.length - 1)).toEqual(before.slice(0, -1));
    expect(after.length).toBeGreaterThan(before.length);
  });

  it('closes blocks opened by raw markdown in an earlier section', () => {
    const sections = [
      '<details><summary>Group</summary>',
      ...Array.from({ length: 30 }, () => 'x'.repeat(90)),
      '</details>',
    ];
    const chunks = splitComment(sections, { budget: 1_000 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(balanced(chunk)).toBe(true);
  });

  it('elides a section larger than a comment', () => {
    const chunks = splitComment(['**start**', details('huge', 5_000)], { budget: 4_000 });
    expect(chunks.join('')).toContain('characters elided');
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(4_000);
      expect(balanced(chunk)).toBe(true);
    }
  });
});
