import { composeCommentBody, contentBudget } from './compose-comment-body.js';
import { splitComment } from './split-comment.js';

/**
 * The bodies of one log's comments, exactly as posted: the rendered sections packed (split,
 * elided) into comments within GitHub's limit, each headed and linked to its neighbours by
 * `urlOf(index)` once they have one.
 */
export function composeComments(
  header: string,
  sections: readonly string[],
  urlOf: (index: number) => string | undefined,
): string[] {
  const chunks = splitComment(sections, { budget: contentBudget(header) });
  return chunks.map((content, index) =>
    composeCommentBody({
      header,
      index,
      content,
      previousUrl: index > 0 ? urlOf(index - 1) : undefined,
      nextUrl: index < chunks.length - 1 ? urlOf(index + 1) : undefined,
    }),
  );
}
