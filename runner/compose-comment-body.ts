/** GitHub refuses comment bodies longer than this (422). */
export const COMMENT_LIMIT = 65_536;
/** Room kept for each link line (a continuation link to and from another comment). */
const LINK_ROOM = 600;

/** Room for content in every comment of a log headed `header`. */
export function contentBudget(header: string): number {
  return COMMENT_LIMIT - continuedHeader(header).length - 2 * LINK_ROOM - 8;
}

function continuedHeader(header: string): string {
  return `${header} (continued)`;
}

/**
 * The body of comment `index` of a log: the header (marked continued after the first), a link
 * back to the previous comment, the content, and a link to the next comment once it exists.
 */
export function composeCommentBody(args: {
  readonly header: string;
  readonly content: string;
  readonly previousUrl?: string | undefined;
  readonly nextUrl?: string | undefined;
  readonly index: number;
}): string {
  const parts =
    args.index === 0
      ? [args.header]
      : [
          continuedHeader(args.header),
          `*Continued from ${args.previousUrl ?? 'the previous comment'}*`,
        ];
  if (args.content !== '') parts.push(args.content);
  if (args.nextUrl !== undefined) parts.push(`*… continued in ${args.nextUrl}*`);
  const body = parts.join('\n\n');
  // Links are expected well within their room; never send a body GitHub would refuse.
  return body.length <= COMMENT_LIMIT ? body : `${body.slice(0, COMMENT_LIMIT - 2)}\n…`;
}
