import { elideSection } from './elide-section.js';
import {
  closeBlocks,
  openBlocksAt,
  reopenBlocks,
  scanBlocks,
  type BlockMap,
} from './markdown-blocks.js';

export interface SplitCommentOptions {
  /** Characters of content one comment may hold (GitHub's limit minus header and links). */
  readonly budget: number;
  /**
   * A section that does not fit starts the next comment when less than this much room is left;
   * with more room, it is cut at a line end (fewer comments, fewer content-creating requests).
   * Default: an eighth of the budget, at most 2,000.
   */
  readonly minCut?: number;
}

const SEPARATOR = '\n\n';

/**
 * Packs rendered sections (blank-line separated, in order) into the contents of consecutive
 * comments of at most `budget` characters. A section longer than a whole comment keeps its
 * head and tail. A cut through a code fence or `<details>` closes it at the end of one comment
 * and reopens it at the start of the next. Packing is greedy from the start, so the comments a
 * log already filled do not change as sections are added.
 */
export function splitComment(sections: readonly string[], options: SplitCommentOptions): string[] {
  const { budget } = options;
  const minCut = options.minCut ?? Math.min(2000, Math.floor(budget / 8));
  const parts = sections.map((s) => elideSection(s, budget));
  const text = parts.join(SEPARATOR);
  const boundaries: number[] = [];
  let offset = 0;
  for (const part of parts.slice(0, -1)) {
    offset += part.length + SEPARATOR.length;
    boundaries.push(offset);
  }
  const map = scanBlocks(text);
  const chunks: string[] = [];
  let pos = 0;
  let prefix = '';
  for (;;) {
    // Pathological nesting would leave no room for content: give up reopening then.
    if (prefix.length > budget / 4) prefix = '';
    const room = budget - prefix.length;
    if (text.length - pos <= room) {
      chunks.push(prefix + text.slice(pos));
      return chunks;
    }
    const cut = chooseCut({ text, map, boundaries, pos, room, minCut });
    const closing = closeBlocks(openBlocksAt(map, cut.next));
    chunks.push(`${prefix}${text.slice(pos, cut.end)}${closing ? `\n${closing}` : ''}`);
    prefix = reopenBlocks(openBlocksAt(map, cut.next));
    pos = cut.next;
  }
}

interface Cut {
  /** Where this comment's content ends. */
  readonly end: number;
  /** Where the next comment's content starts. */
  readonly next: number;
}

function chooseCut(args: {
  text: string;
  map: BlockMap;
  boundaries: readonly number[];
  pos: number;
  room: number;
  minCut: number;
}): Cut {
  const { text, map, boundaries, pos, room, minCut } = args;
  const fits = (end: number, next: number) => {
    const closing = closeBlocks(openBlocksAt(map, next));
    return end - pos + (closing ? closing.length + 1 : 0) <= room;
  };

  let atSection: Cut | undefined;
  for (let i = lastAtMost(boundaries, pos + room + SEPARATOR.length); i >= 0; i--) {
    const next = boundaries[i] ?? 0;
    const end = next - SEPARATOR.length;
    if (end <= pos) break;
    if (fits(end, next)) {
      atSection = { end, next };
      break;
    }
  }

  let atLine: Cut | undefined;
  for (let i = lastAtMost(map.lineStarts, pos + room + 1); i >= 0; i--) {
    const next = map.lineStarts[i] ?? 0;
    const end = trimNewlines(text, pos, next);
    if (end <= pos) break;
    if (fits(end, next)) {
      atLine = { end, next };
      break;
    }
  }

  if (atSection && (!atLine || atLine.end - atSection.end < minCut)) return atSection;
  if (atLine) return atLine;
  // One line longer than a comment: cut inside it (never between a surrogate pair).
  const closing = closeBlocks(openBlocksAt(map, pos));
  let end = Math.max(pos + 1, pos + room - (closing ? closing.length + 1 : 0));
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff && end - 1 > pos) end -= 1;
  return { end, next: end };
}

function trimNewlines(text: string, pos: number, end: number): number {
  let e = end;
  while (e > pos && text[e - 1] === '\n') e--;
  return e;
}

/** Index of the last value ≤ `limit` in an ascending array, or -1. */
function lastAtMost(values: readonly number[], limit: number): number {
  let low = 0;
  let high = values.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((values[mid] ?? Infinity) <= limit) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}
