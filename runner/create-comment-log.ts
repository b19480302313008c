import type { CommentLog } from '../handlers/context.js';
import type { Section } from './comment-sections.js';

/** Builds the callable {@link CommentLog} over a sink that receives sections. */
export function createCommentLog(sink: {
  add(section: Section): void;
  url(): string | undefined;
  flush(): Promise<void>;
}): CommentLog {
  const log = (title: string, body?: string) =>
    sink.add(body === undefined ? { kind: 'text', title } : { kind: 'text', title, body });
  return Object.defineProperties(log, {
    details: {
      value: (summary: string, body: string) => sink.add({ kind: 'details', summary, body }),
    },
    markdown: { value: (text: string) => sink.add({ kind: 'markdown', text }) },
    url: { get: () => sink.url() },
    flush: { value: () => sink.flush() },
  }) as CommentLog;
}
