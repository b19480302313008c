import type { GitHubTestServer } from '../../support/github-server/index.js';
import type { WantedEvent } from '../invariants/types.js';
import type { Rng } from './create-rng.js';

export interface ProducedEvents {
  /** PushEvents (every handler wants them), in the order they were added. */
  readonly wanted: WantedEvent[];
  /** Events no handler wants (never to be stored). */
  readonly unwanted: WantedEvent[];
  /** How many arrived late: with an id below ones already listed. */
  late: number;
}

export interface ProduceOptions {
  readonly repos: readonly string[];
  readonly count: number;
  /** Pause between two events, drawn in [min, max] ms. */
  readonly gapMs: readonly [number, number];
  /** Chance that an event is a late one (an id below some already listed). */
  readonly lateChance: number;
  /** Chance that an event is one no handler wants. */
  readonly unwantedChance: number;
  readonly signal?: AbortSignal;
}

/** GitHub-sized ids: well above 2^32, compared as BigInt. */
const BASE_ID = 48_000_000_000n;

/**
 * Adds `count` events at random times to random repositories. Ids are assigned here, two apart,
 * so a late event can later fill a gap below ids already listed, as the Events API does.
 */
export async function produceEvents(
  github: GitHubTestServer,
  rng: Rng,
  o: ProduceOptions,
): Promise<ProducedEvents> {
  const produced: ProducedEvents = { wanted: [], unwanted: [], late: 0 };
  const gaps: { repo: string; id: bigint }[] = [];
  let next = BASE_ID;
  for (let i = 0; i < o.count && !o.signal?.aborted; i++) {
    let repo: string;
    let id: bigint;
    const gap =
      gaps.length > 0 && rng.chance(o.lateChance)
        ? gaps.splice(rng.int(0, gaps.length - 1), 1)[0]
        : undefined;
    if (gap) {
      ({ repo, id } = gap);
      produced.late += 1;
    } else {
      repo = rng.pick(o.repos);
      next += 2n;
      id = next;
      gaps.push({ repo, id: id - 1n });
    }
    const unwanted = rng.chance(o.unwantedChance);
    const event = github.addEvent(
      repo,
      unwanted
        ? { id: String(id), type: 'WatchEvent', payload: { action: 'started' } }
        : {
            id: String(id),
            type: 'PushEvent',
            payload: {
              repository_id: 1,
              push_id: Number(id % 1_000_000n),
              ref: 'refs/heads/main',
              head: id.toString(16).padStart(40, 'a'),
              before: '0'.repeat(40),
            },
          },
    );
    (unwanted ? produced.unwanted : produced.wanted).push({ repo, id: event.id });
    await new Promise((r) => setTimeout(r, rng.int(o.gapMs[0], o.gapMs[1])));
  }
  return produced;
}
