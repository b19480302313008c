import { describe, expect, it } from 'vitest';
import { elideSection } from '../../../runner/elide-section.js';
import { openBlocksAt, scanBlocks } from '../../../runner/markdown-blocks.js';

const balanced = (text: string) =>
  openBlocksAt(scanBlocks(`${text}\n`), text.length + 1).length === 0;
const lines = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix} line ${i}`).join('\n');

describe('elideSection', () => {
  it('leaves a section within the limit alone', () => {
    expect(elideSection('short', 100)).toBe('short');
  });

  it('keeps head and tail with a marker counting what was elided', () => {
    const text = lines('out', 10_000);
    const result = elideSection(text, 5_000);
    expect(result.length).toBeLessThanOrEqual(5_000);
    expect(result.startsWith('out line 0\n')).toBe(true);
    expect(result.endsWith('out line 9999')).toBe(true);
    const elided = /… ([\d,]+) characters elided …/.exec(result)?.[1];
    expect(elided).toBeDefined();
    const kept = result.length - (result.match(/\n\n… .* elided …\n\n/)?.[0].length ?? 0);
    expect(Number(elided?.replace(/,/g, '')) + kept).toBeGreaterThanOrEqual(text.length - 10);
  });

  it('keeps the marker inside a fence that spans the cut', () => {
    const text = `<details><summary>build</summary>\n\n\`\`\`\n${lines('x', 5_000)}\n\`\`\`\n\n</details>`;
    const result = elideSection(text, 4_000);
    expect(result.length).toBeLessThanOrEqual(4_000);
    expect(balanced(result)).toBe(true);
    expect(result).toMatch(/x line 4999\n```\n\n<\/details>$/);
  });

  it('closes and reopens blocks that differ on both sides of the cut', () => {
    const text = `\`\`\`\n${lines('a', 3_000)}\n\`\`\`\n\nstderr:\n\n~~~~\n${lines('b', 3_000)}\n~~~~`;
    const result = elideSection(text, 3_000);
    expect(balanced(result)).toBe(true);
    expect(result).toMatch(/a line \d+\n```\n\n… [\d,]+ characters elided …\n\n~~~~\nb line/);
  });

  it('cuts one endless line too', () => {
    const result = elideSection('y'.repeat(100_000), 1_000);
    expect(result.length).toBeLessThanOrEqual(1_000);
    expect(result).toContain('characters elided');
  });

  it('keeps head and tail of one long line inside a command section', () => {
    // A minified bundle or a JSON blob printed on one line: 70,000 characters, no newline.
    const line = `HEAD${'x'.repeat(70_000)}TAIL`;
    const text = `<details><summary>✅ <code>cat dist.js</code></summary>\n\n\`\`\`\n$ cat dist.js\n${line}\n\`\`\`\n\n</details>`;
    const result = elideSection(text, 4_000);
    expect(result.length).toBeLessThanOrEqual(4_000);
    expect(balanced(result)).toBe(true);
    expect(result).toMatch(/\$ cat dist\.js\nHEADx{1000,}/);
    expect(result).toMatch(/x{1000,}TAIL\n```\n\n<\/details>$/);
    expect(result).toMatch(/… [\d,]+ characters elided …/);
  });

  it('keeps head and tail of one long line alone', () => {
    const result = elideSection(`HEAD${'y'.repeat(100_000)}TAIL`, 1_000);
    expect(result.length).toBeLessThanOrEqual(1_000);
    expect(result).toMatch(/^HEADy{200,}\n\n… [\d,]+ characters elided …\n\ny{200,}TAIL$/);
  });
});
