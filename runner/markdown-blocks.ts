/**
 * The Markdown blocks a cut through a comment must close and reopen: code fences and
 * `<details>` elements. A line-based scan, as GitHub's renderer sees them: inside a fence
 * nothing opens or closes but the fence itself.
 */
export interface OpenBlock {
  readonly kind: 'fence' | 'details';
  /** Text that reopens the block: the fence line, or `<details><summary>…</summary>`. */
  readonly open: string;
  /** Text that closes it: the fence, or `</details>`. */
  readonly close: string;
  /** Offset of the line that opened it (identity when comparing two stacks). */
  readonly at: number;
}

export interface BlockMap {
  /** Offsets where lines start, ascending. */
  readonly lineStarts: readonly number[];
  /** The open blocks (outermost first) at the start of each line. */
  readonly stacks: readonly (readonly OpenBlock[])[];
}

const fenceOpen = /^ {0,3}(`{3,}(?=[^`]*$)|~{3,})(.*)$/;
const fenceClose = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const detailsTag = /<details\b[^>]*>(?:\s*<summary\b[^>]*>.*?<\/summary\s*>)?|<\/details\s*>/gi;

export function scanBlocks(text: string): BlockMap {
  const lineStarts: number[] = [];
  const stacks: (readonly OpenBlock[])[] = [];
  let stack: readonly OpenBlock[] = [];
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    lineStarts.push(start);
    stacks.push(stack);
    stack = advance(stack, text.slice(start, end), start);
    if (newline === -1) break;
    start = newline + 1;
  }
  return { lineStarts, stacks };
}

function advance(stack: readonly OpenBlock[], line: string, at: number): readonly OpenBlock[] {
  const top = stack[stack.length - 1];
  if (top?.kind === 'fence') {
    const close = fenceClose.exec(line)?.[1];
    const marker = top.close;
    const closes = close !== undefined && close[0] === marker[0] && close.length >= marker.length;
    return closes ? stack.slice(0, -1) : stack;
  }
  const fence = fenceOpen.exec(line);
  if (fence?.[1] !== undefined) {
    const open = `${fence[1]}${fence[2] ?? ''}`.trimEnd();
    return [...stack, { kind: 'fence', open, close: fence[1], at }];
  }
  let next = stack;
  for (const match of line.matchAll(detailsTag)) {
    if (match[0].startsWith('</')) {
      const last = next[next.length - 1];
      if (last?.kind === 'details') next = next.slice(0, -1);
    } else {
      next = [...next, { kind: 'details', open: match[0], close: '</details>', at }];
    }
  }
  return next;
}

/** The blocks open at the start of the line containing `offset`. */
export function openBlocksAt(map: BlockMap, offset: number): readonly OpenBlock[] {
  let low = 0;
  let high = map.lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if ((map.lineStarts[mid] ?? 0) <= offset) low = mid;
    else high = mid - 1;
  }
  return map.stacks[low] ?? [];
}

/** Lines that close `blocks`, innermost first; empty when nothing is open. */
export function closeBlocks(blocks: readonly OpenBlock[]): string {
  return [...blocks]
    .reverse()
    .map((b) => (b.kind === 'details' ? `\n${b.close}` : b.close))
    .join('\n');
}

/** Lines that reopen `blocks`, outermost first, ready for the content that follows. */
export function reopenBlocks(blocks: readonly OpenBlock[]): string {
  return blocks.map((b) => (b.kind === 'details' ? `${b.open}\n\n` : `${b.open}\n`)).join('');
}

/** How many blocks, outermost first, two stacks share. */
export function commonDepth(a: readonly OpenBlock[], b: readonly OpenBlock[]): number {
  let depth = 0;
  while (depth < a.length && depth < b.length && a[depth]?.at === b[depth]?.at) depth++;
  return depth;
}
