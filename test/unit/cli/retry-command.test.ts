import { describe, expect, it } from 'vitest';
import { captureMain } from '../../support/capture-main.js';
import { tempDir } from '../../support/fixtures.js';
import { laneWithSkippedEvent } from '../../support/skipped-lane.js';

describe('quickcd retry of a skipped event the lane has moved past', () => {
  it('refuses naming the newer event, then runs it with --force and says so', async () => {
    const stateDir = tempDir();
    const store = await laneWithSkippedEvent(stateDir);
    const args = ['retry', '100', '--store', 'file', '--state-dir', stateDir];

    const refused = await captureMain(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/newer event 101 \(PushEvent\) already ran/);
    expect(refused.stderr).toContain('Pass --force to run it anyway');
    expect((await store.getEvent('100'))?.status).toBe('skipped');

    const forced = await captureMain([...args, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(
      /event 100 \(acme\/webapp, PushEvent\): pending, runs now, after newer event 101 \(PushEvent\) which already ran \(--force: out of event-id order\)/,
    );
  });
});
