import {
  closeBlocks,
  commonDepth,
  openBlocksAt,
  reopenBlocks,
  scanBlocks,
} from './markdown-blocks.js';

/** Room kept for the marker and the blocks closed and reopened around it. */
const MARKER_ROOM = 400;

/**
 * Shortens a section longer than `max` characters to its head and tail, cut at line ends
 * (inside a line when it is longer than a quarter of the room),
 * with `… N characters elided …` between them. A fence or `<details>` open at the cut is
 * closed before the marker and reopened after it, so the rest of the comment renders intact.
 */
export function elideSection(text: string, max: number): string {
  if (text.length <= max) return text;
  let room = MARKER_ROOM;
  let result = elide(text, max - room);
  // Deeply nested blocks with long summaries can need more room than reserved.
  while (result.length > max && room < max) {
    room += result.length - max;
    result = elide(text, max - room);
  }
  return result;
}

function elide(text: string, budget: number): string {
  const keep = Math.max(0, budget);
  // At a line end, unless that loses more than half of the room (one long line): then inside it.
  const slack = keep / 4;
  const headEnd = lineEndBefore(text, Math.ceil(keep / 2), slack);
  const tailStart = lineStartAfter(text, text.length - Math.floor(keep / 2), slack);
  const map = scanBlocks(text);
  const headOpen = openBlocksAt(map, headEnd);
  const tailOpen = openBlocksAt(map, tailStart);
  const shared = commonDepth(headOpen, tailOpen);
  const close = closeBlocks(headOpen.slice(shared));
  const reopen = reopenBlocks(tailOpen.slice(shared));
  const elided = tailStart - headEnd;
  const marker = `… ${elided.toLocaleString('en-US')} characters elided …`;
  const head = text.slice(0, headEnd).replace(/\n+$/, '');
  return `${head}${close ? `\n${close}` : ''}\n\n${marker}\n\n${reopen}${text.slice(tailStart)}`;
}

/** The start of the line holding `offset`, or `offset` itself when that is further than `slack` back. */
function lineEndBefore(text: string, offset: number, slack: number): number {
  const newline = text.lastIndexOf('\n', offset - 1);
  if (newline > 0 && offset - (newline + 1) <= slack) return newline + 1;
  return isPairSplit(text, offset) ? offset - 1 : offset;
}

/** The start of the line after `offset`, or `offset` itself when that is further than `slack` on. */
function lineStartAfter(text: string, offset: number, slack: number): number {
  const newline = text.indexOf('\n', offset);
  if (newline !== -1 && newline + 1 < text.length && newline + 1 - offset <= slack) {
    return newline + 1;
  }
  return isPairSplit(text, offset) ? offset + 1 : offset;
}

/** Whether cutting before `offset` splits a surrogate pair (an emoji). */
function isPairSplit(text: string, offset: number): boolean {
  const code = text.charCodeAt(offset - 1);
  return code >= 0xd800 && code <= 0xdbff;
}
