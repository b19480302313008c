import type { GitHubEvent } from '../../handlers/event.js';

/**
 * The deterministic identity of a change, the same whichever source saw it: a push by
 * (repo, ref, before, head), a created or deleted ref by (repo, kind, name), a pull request
 * event by (number, action, head sha), a comment by its id. Undefined for other events (they
 * come only from the Events API and need no matching).
 */
export function eventIdentity(event: GitHubEvent): string | undefined {
  const repo = event.repo.name.toLowerCase();
  const p = event.payload as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  switch (event.type) {
    case 'PushEvent':
      return `push ${repo} ${str(p.ref)} ${str(p.before)} ${str(p.head)}`;
    case 'CreateEvent':
    case 'DeleteEvent':
      return `${event.type} ${repo} ${str(p.ref_type)} ${str(p.ref)}`;
    case 'PullRequestEvent': {
      const pr = (p.pull_request ?? {}) as { head?: { sha?: unknown } };
      return `pr ${repo} ${str(p.number)} ${str(p.action)} ${str(pr.head?.sha)}`;
    }
    case 'IssueCommentEvent':
    case 'CommitCommentEvent': {
      const comment = (p.comment ?? {}) as { id?: unknown };
      return `${event.type} ${repo} ${str(comment.id)}`;
    }
    default:
      return undefined;
  }
}
