import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createContainerLog,
  firstShown,
  formatEntries,
  readLogEntries,
} from '../../../support/node-agent/container-log.js';

describe('container log (CRI format)', () => {
  it('stamps each line, keeps partial lines apart, and renders tail, since and timestamps', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'log-')), '0.log');
    let t = Date.parse('2026-01-01T00:00:00Z');
    const log = createContainerLog(file, () => new Date((t += 1000)));
    log.write('stdout', 'one\ntwo\nthr');
    log.write('stderr', 'ee\nfour\n');
    log.write('stdout', 'tail');
    const entries = readLogEntries(file);
    expect(entries.map((e) => [e.stream, e.full, e.text])).toEqual([
      ['stdout', true, 'one\n'],
      ['stdout', true, 'two\n'],
      ['stdout', false, 'thr'],
      ['stderr', true, 'ee\n'],
      ['stderr', true, 'four\n'],
      ['stdout', false, 'tail'],
    ]);
    const show = (o: Parameters<typeof firstShown>[1]) =>
      formatEntries(entries.slice(firstShown(entries, o)), o.timestamps === true);
    expect(show({})).toBe('one\ntwo\nthree\nfour\ntail');
    expect(show({ tailLines: 2 })).toBe('four\ntail');
    expect(show({ tailLines: 3 })).toBe('three\nfour\ntail');
    expect(show({ tailLines: 0 })).toBe('');
    expect(show({ sinceTime: new Date('2026-01-01T00:00:02Z') })).toBe('ee\nfour\ntail');
    expect(show({ tailLines: 1, timestamps: true })).toBe('2026-01-01T00:00:03.000Z tail');
  });
});
