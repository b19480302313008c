import { fenced } from '../handlers/logging-shell.js';

/** One part of a handler's comment, in the order it was logged. */
export type Section =
  | { readonly kind: 'text'; readonly title: string; readonly body?: string }
  | { readonly kind: 'details'; readonly summary: string; readonly body: string }
  | { readonly kind: 'markdown'; readonly text: string };

export function commentHeader(clusterId: string, handler: string): string {
  return `## ${clusterId}: ${handler}`;
}

export function renderSection(section: Section): string {
  switch (section.kind) {
    case 'text':
      return section.body === undefined || section.body === ''
        ? `**${section.title}**`
        : `**${section.title}**\n\n${fenced(section.body)}`;
    case 'details':
      return `<details><summary>${section.summary}</summary>\n\n${section.body}\n\n</details>`;
    case 'markdown':
      return section.text;
  }
}

/** The whole comment body: header, then every section, blank-line separated. */
export function renderComment(header: string, sections: readonly Section[]): string {
  return [header, ...sections.map(renderSection)].join('\n\n');
}
