import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GitHubEvent } from '../../../../handlers/event.js';
import { newStoredEvent } from '../../../../scheduler/event-state.js';
import { createFileStore } from '../../../../scheduler/file-store.js';
import { createDedupIndex } from '../../../../scheduler/sources/dedup-index.js';
import { eventIdentity } from '../../../../scheduler/sources/event-identity.js';
import { syntheticEventId } from '../../../../scheduler/sources/synthetic-id.js';
import { tempDir } from '../../../support/fixtures.js';

const REPO = 'acme/web';
const sha = (c: string) => c.repeat(40);
let n = 45_000_000_000;
const push = (before: string, head: string, source: GitHubEvent['source'], id?: string) =>
  ({
    id: id ?? String(++n),
    type: 'PushEvent',
    actor: { id: 1, login: 'dev' },
    repo: { id: 1, name: REPO },
    payload: {
      ref: 'refs/heads/main',
      before: sha(before),
      head: sha(head),
      push_id: 1,
      repository_id: 1,
    },
    created_at: '2026-12-01T10:00:00Z',
    source,
  }) as unknown as GitHubEvent;

const synthetic = (before: string, head: string, at: number) =>
  push(
    before,
    head,
    'refs',
    syntheticEventId(at, () => false),
  );

function setup() {
  const store = createFileStore({ stateDir: join(tempDir('quickcd-dedup-'), 'state') });
  const put = async (event: GitHubEvent) => {
    await store.putEvent(newStoredEvent(event, [{ name: 'deploy', blocking: true }], new Date()));
  };
  return { store, put, index: () => createDedupIndex(store) };
}

describe('dedup index', () => {
  it('identities are the same whichever source saw the change', () => {
    expect(eventIdentity(push('a', 'b', 'events-api'))).toBe(eventIdentity(synthetic('a', 'b', 1)));
    expect(eventIdentity(push('a', 'b', 'events-api'))).not.toBe(
      eventIdentity(push('a', 'c', 'events-api')),
    );
  });

  it('matches one to one, in both orders, and after a restart (read from the store)', async () => {
    const { put, index } = setup();
    const s = synthetic('a', 'b', Date.now());
    await put(s);
    const real = push('a', 'b', 'events-api');
    expect(await index().admit(real)).toEqual({ kind: 'matched', target: s.id });

    const first = push('b', 'c', 'events-api');
    await put(first);
    const later = synthetic('b', 'c', Date.now() + 1);
    expect(await index().admit(later)).toEqual({ kind: 'matched', target: first.id });
    // Once matched, it is not matched again (one to one).
    const dedup = index();
    await dedup.admit(later);
    dedup.matched(REPO, first.id, later.id);
    expect(await dedup.admit(later)).toEqual({ kind: 'known' });
    expect(await dedup.admit(synthetic('b', 'c', Date.now() + 2))).toEqual({ kind: 'new' });
  });

  it('a collapsed push A→C matches the real B→C and supersedes A→B, in either order', async () => {
    for (const order of [
      ['ab', 'bc'],
      ['bc', 'ab'],
    ]) {
      const { put, index } = setup();
      const s = synthetic('a', 'c', Date.now());
      await put(s);
      const dedup = index();
      const got: Record<string, unknown> = {};
      for (const step of order) {
        const real = push(step[0]!, step[1]!, 'events-api');
        const admission = await dedup.admit(real);
        if (admission.kind === 'matched') dedup.matched(REPO, admission.target, real.id);
        got[step] = admission;
      }
      expect(got).toEqual({
        ab: { kind: 'superseded', by: s.id },
        bc: { kind: 'matched', target: s.id },
      });
    }
  });

  it('synthetic ids order by time, above real ids, and avoid taken ones', () => {
    const a = syntheticEventId(1_000, () => false);
    const b = syntheticEventId(2_000, () => false);
    expect(BigInt(a) < BigInt(b)).toBe(true);
    expect(BigInt(a) > 10n ** 12n).toBe(true);
    expect(syntheticEventId(1_000, (id) => id === a)).toBe(String(BigInt(a) + 1n));
  });
});
