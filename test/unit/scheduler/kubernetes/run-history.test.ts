import { expect, it } from 'vitest';
import {
  TAIL_BYTES,
  failureCodes,
  historyConfigMapName,
  lastBytes,
} from '../../../../scheduler/kubernetes/run-history.js';

it('keeps the last 64 KiB of an output, never starting mid-character', () => {
  expect(TAIL_BYTES).toBe(65_536);
  expect(lastBytes('short\n')).toEqual({ tail: 'short\n', truncated: false });
  const long = `${'é'.repeat(40_000)}end\n`; // 80 004 bytes
  const { tail, truncated } = lastBytes(long);
  expect(truncated).toBe(true);
  expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(TAIL_BYTES);
  expect(Buffer.byteLength(tail)).toBeGreaterThan(TAIL_BYTES - 2);
  expect(tail.endsWith('end\n')).toBe(true);
  expect(tail).not.toContain('\uFFFD');
});

it('names the history ConfigMap after its event, within the name limit', () => {
  expect(historyConfigMapName('quickcd-acme-webapp-42')).toBe('quickcd-acme-webapp-42-history');
  expect(historyConfigMapName('x'.repeat(253))).toHaveLength(253);
});

it('keeps the error code of each handler a run left failed', () => {
  const handlers = {
    deploy: { lane: 'blocking', status: 'failed', attempts: 1, code: 'HANDLER_TIMEOUT' },
    audit: { lane: 'blocking', status: 'complete', attempts: 1 },
    notify: { lane: 'nonblocking', status: 'failed', attempts: 1, code: 'COMMAND_FAILED' },
  } as const;
  expect(failureCodes({ handlers }, 'blocking')).toEqual({ deploy: 'HANDLER_TIMEOUT' });
  expect(failureCodes({ handlers }, 'nonblocking')).toEqual({ notify: 'COMMAND_FAILED' });
});
