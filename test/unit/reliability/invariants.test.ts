import { describe, expect, it } from 'vitest';
import { checkBlockingOrder } from '../../reliability/invariants/check-blocking-order.js';
import { checkCompletedOnce } from '../../reliability/invariants/check-completed-once.js';
import { checkIdleCpu } from '../../reliability/invariants/check-idle-cpu.js';
import { checkNoSecret } from '../../reliability/invariants/check-no-secret.js';
import { checkNothingLost } from '../../reliability/invariants/check-nothing-lost.js';
import { checkOneRunPerAttempt } from '../../reliability/invariants/check-one-run-per-attempt.js';
import { formatReport } from '../../reliability/invariants/format-report.js';
import type { JournalEntry, StoredRecord } from '../../reliability/invariants/types.js';

const R = 'acme/web';
const stored = (id: string, storedAt = 0, status = 'handled'): StoredRecord => ({
  repo: R,
  id,
  status,
  storedAt,
});
const entry = (
  t: number,
  phase: JournalEntry['phase'],
  event: string,
  pid: number,
  handler = 'deploy',
): JournalEntry => ({
  t,
  phase,
  repo: R,
  event,
  handler,
  lane: handler === 'deploy' ? 'blocking' : 'nonblocking',
  pid,
});

describe('checkNothingLost', () => {
  it('holds when every wanted event is stored and handled', () => {
    const r = checkNothingLost([{ repo: R, id: '1' }], [stored('1')]);
    expect(r.violations).toEqual([]);
    expect(r.figures).toBe('events wanted 1, stored 1, handled 1');
  });
  it('fails on a lost event, an unhandled one and one stored that no handler wants', () => {
    const r = checkNothingLost(
      [
        { repo: R, id: '1' },
        { repo: R, id: '2' },
      ],
      [stored('2', 0, 'failed'), stored('3')],
    );
    expect(r.violations.map((v) => v.event)).toEqual(['1', '2', '3']);
    expect(r.violations[0]?.detail).toContain('never stored');
  });
});

describe('checkCompletedOnce', () => {
  it('fails on a handler completed twice, and on one never completed', () => {
    const journal = [entry(1, 'done', '1', 10), entry(2, 'done', '1', 11)];
    const r = checkCompletedOnce(journal, [{ repo: R, id: '1' }], ['deploy', 'notify']);
    expect(r.violations.map((v) => v.detail)).toEqual([
      'deploy completed 2 times (pid 10 at 1970-01-01T00:00:00.001Z, pid 11 at 1970-01-01T00:00:00.002Z)',
      'notify never completed',
    ]);
  });
  it('does not count a completion by a runner killed after it (at least once), counts it apart', () => {
    const journal = [
      entry(1, 'start', '1', 10),
      entry(2, 'killed', '1', 10),
      entry(3, 'done', '1', 10), // was on its way when the kill landed
      entry(4, 'start', '1', 11),
      entry(5, 'done', '1', 11),
    ];
    const r = checkCompletedOnce(journal, [{ repo: R, id: '1' }], ['deploy']);
    expect(r.violations).toEqual([]);
    expect(r.figures).toContain('1 runners killed mid-handler (1 killed just after completing');
  });
  it('holds with one completion per (event, handler)', () => {
    const journal = [entry(1, 'start', '1', 10), entry(2, 'done', '1', 10)];
    expect(checkCompletedOnce(journal, [{ repo: R, id: '1' }], ['deploy']).violations).toEqual([]);
  });
});

describe('checkBlockingOrder', () => {
  it('holds for serial runs in id order, and for a late event stored after a higher one ran', () => {
    const journal = [
      entry(10, 'start', '2', 1),
      entry(20, 'done', '2', 1),
      entry(30, 'start', '1', 2), // 1 is late: stored at 25
      entry(31, 'start', '1', 3, 'notify'), // non-blocking: beside the lane
      entry(40, 'done', '1', 2),
    ];
    const r = checkBlockingOrder(journal, [stored('1', 25), stored('2', 5)]);
    expect(r.violations).toEqual([]);
  });
  it('fails when a higher id starts before a lower one stored earlier completed', () => {
    const journal = [entry(10, 'start', '2', 1), entry(20, 'done', '2', 1)];
    const r = checkBlockingOrder(journal, [stored('1', 0), stored('2', 0)]);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]?.event).toBe('2');
  });
  it('fails when two blocking runs of one repository overlap; a killed run ends its turn', () => {
    const overlap = checkBlockingOrder(
      [entry(10, 'start', '1', 1), entry(11, 'start', '1', 2)],
      [stored('1', 0)],
    );
    expect(overlap.violations[0]?.detail).toContain('still ran');
    const killed = checkBlockingOrder(
      [entry(10, 'start', '1', 1), entry(11, 'killed', '1', 1), entry(12, 'start', '1', 2)],
      [stored('1', 0)],
    );
    expect(killed.violations).toEqual([]);
  });
  it('compares ids as BigInt, not as strings', () => {
    const journal = [entry(10, 'start', '10', 1), entry(20, 'done', '10', 1)];
    // '9' < '10' as numbers: 10 ran first while 9 (stored earlier) waited.
    expect(checkBlockingOrder(journal, [stored('9', 0), stored('10', 0)]).violations).toHaveLength(
      1,
    );
  });
});

describe('checkOneRunPerAttempt', () => {
  it('fails when one (event, lane, attempt) ran twice', () => {
    const r = checkOneRunPerAttempt([
      { event: '1', key: '1/blocking/1', runId: 'pid 1' },
      { event: '1', key: '1/blocking/1', runId: 'pid 2' },
      { event: '1', key: '1/blocking/2', runId: 'pid 3' },
    ]);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({ event: '1' });
    expect(r.figures).toBe('2 (event, lane, attempt) launches, 1 run twice');
  });
  it('holds when a run is seen twice under the same id', () => {
    const run = { event: '1', key: 'k', runId: 'job-a' };
    expect(checkOneRunPerAttempt([run, run]).violations).toEqual([]);
  });
});

describe('checkNoSecret', () => {
  it('fails on a secret in a place, without printing it', () => {
    const r = checkNoSecret(
      ['s3cr3t-value'],
      [
        { where: 'comment 1', text: 'all *** here' },
        { where: 'ConfigMap x', text: 'token=s3cr3t-value;', event: '7' },
      ],
    );
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]?.event).toBe('7');
    expect(r.violations[0]?.detail).toContain('ConfigMap x');
    expect(r.violations[0]?.detail).not.toContain('s3cr3t-value');
    expect(r.figures).toContain('1 comment, 1 ConfigMap');
  });
});

describe('checkIdleCpu', () => {
  it('fails on a hot loop and when nothing was measured', () => {
    expect(checkIdleCpu([{ process: 'a', cpuMs: 50, wallMs: 5000 }], 0.1).violations).toEqual([]);
    const hot = checkIdleCpu([{ process: 'a', cpuMs: 4900, wallMs: 5000 }], 0.1);
    expect(hot.violations[0]?.detail).toContain('98.0% of a core');
    expect(checkIdleCpu([], 0.1).violations).toHaveLength(1);
  });
});

describe('formatReport', () => {
  it('prints the figures, and for a broken invariant the seed and the event', () => {
    const ok = formatReport('file', 7, [checkNothingLost([], [])]);
    expect(ok.ok).toBe(true);
    const broken = formatReport('file', 7, [checkNothingLost([{ repo: R, id: '5' }], [])]);
    expect(broken.ok).toBe(false);
    expect(broken.text).toContain('broken (seed 7) by event 5');
    expect(broken.text).toContain('npm run test:reliability -- --seed 7');
  });
});
