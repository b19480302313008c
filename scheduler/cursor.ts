import * as z from 'zod';

/**
 * Where polling of one repository stands. Not only the highest id: the Events API can deliver
 * an event late, with a lower id than ones already seen, so the ids seen in the current window
 * are kept. ETags make an unchanged page a free 304.
 */
export const cursorSchema = z.object({
  /** ETag of page 1 (per_page=100). */
  etag: z.string().optional(),
  /** ETags of the other pages of the window, by page number, for periodic re-validation. */
  pageEtags: z.record(z.string(), z.string()).default({}),
  /** Ids seen in the window (decimal strings), newest first, at most 300 + margin. */
  seen: z.array(z.string()).default([]),
  /** Highest id seen. */
  lastEventId: z.string().optional(),
  /** ISO times. */
  lastPollAt: z.string().optional(),
  lastRevalidateAt: z.string().optional(),
});

export type Cursor = z.infer<typeof cursorSchema>;
