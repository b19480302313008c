import { readFile } from 'node:fs/promises';
import { QuickcdError, errorMessage } from '../common/errors.js';
import { compareEventIds, parseEvent, type GitHubEvent } from './event.js';
import { payloadProblems } from './payload-problems.js';

export interface EventsFile {
  /** Valid events, oldest first (numeric id order). */
  readonly events: GitHubEvent[];
  /** One message per malformed event, naming its index and field. */
  readonly problems: string[];
}

/**
 * Reads a JSON array of Events API events (what `GET /repos/{owner}/{repo}/events` returns) —
 * or a single event object. An unreadable file or one that is not JSON fails; a malformed
 * event, or one whose payload is not what its typings promise, is reported (index, event id
 * and field) and left out, never crashing the run.
 */
export async function readEventsFile(path: string): Promise<EventsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new QuickcdError(
      'EVENTS_FILE_INVALID',
      `Cannot read events file ${path}: ${errorMessage(error)}`,
      {
        file: path,
        cause: error,
      },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new QuickcdError(
      'EVENTS_FILE_INVALID',
      `Events file ${path} is not valid JSON: ${errorMessage(error)}. Expected an array of Events API events, as GET /repos/{owner}/{repo}/events returns.`,
      { file: path },
    );
  }
  const items = Array.isArray(data) ? data : [data];
  if (items.length === 0 || items.some((e) => typeof e !== 'object' || e === null)) {
    throw new QuickcdError(
      'EVENTS_FILE_INVALID',
      `Events file ${path} must hold an array of event objects (as GET /repos/{owner}/{repo}/events returns)`,
      { file: path },
    );
  }
  const events: GitHubEvent[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  items.forEach((raw, index) => {
    try {
      const event = parseEvent(raw, `[${index}]`);
      const payload = payloadProblems(event);
      if (payload.length > 0) {
        problems.push(payload.map((p) => `[${index}] (event ${event.id}).${p}`).join('; '));
        return;
      }
      if (seen.has(event.id)) {
        problems.push(`[${index}].id: duplicate event id ${event.id}`);
        return;
      }
      seen.add(event.id);
      events.push(event);
    } catch (error) {
      problems.push(errorMessage(error).replace(/^Malformed event: /, ''));
    }
  });
  events.sort((a, b) => compareEventIds(a.id, b.id));
  return { events, problems };
}
