import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../../handlers/event.js';
import {
  configMapToCursor,
  cursorToConfigMap,
} from '../../../../scheduler/kubernetes/configmap-cursor.js';
import {
  EVENT_GZIP_KEY,
  EVENT_KEY,
  MAX_CONFIGMAP_DATA_BYTES,
  configMapToEvent,
  eventToConfigMap,
} from '../../../../scheduler/kubernetes/event-configmap.js';
import type { StoredEvent } from '../../../../scheduler/ports/event-store.js';
import { makeEvent, pushPayload } from '../../../support/fixtures.js';

function stored(overrides: Partial<StoredEvent> = {}, payload = pushPayload('refs/heads/main')) {
  const event = parseEvent(
    makeEvent('PushEvent', payload, { id: '45000000123', repo: 'Acme/Web_App' }),
  );
  return {
    repo: 'Acme/Web_App',
    id: event.id,
    type: event.type,
    event,
    status: 'pending',
    lanes: {},
    handlers: {},
    storedAt: '2026-11-20T09:00:05.000Z',
    late: false,
    ...overrides,
  } satisfies StoredEvent;
}

describe('eventToConfigMap', () => {
  it("keeps the fast sources' match and supersession in annotations (issue 14)", () => {
    const matched = {
      id: '45000000999',
      source: 'events-api',
      actor: { id: 7, login: 'dev' },
      at: '2026-12-01T10:00:00.000Z',
    };
    const event = stored({ status: 'skipped', matched, supersededBy: '9001796131251000000' });
    const cm = eventToConfigMap(event);
    expect(cm.metadata?.annotations?.['quickcd.dev/matched']).toBe(JSON.stringify(matched));
    expect(cm.metadata?.annotations?.['quickcd.dev/superseded-by']).toBe('9001796131251000000');
    expect(configMapToEvent(cm)).toMatchObject({ matched, supersededBy: '9001796131251000000' });
    expect(configMapToEvent(eventToConfigMap(stored()))).not.toHaveProperty('matched');
  });

  it('names and labels the ConfigMap as the data model says', () => {
    const cm = eventToConfigMap(stored());
    expect(cm.metadata?.name).toBe('quickcd-acme-web-app-45000000123');
    expect(cm.metadata?.labels).toEqual({
      'app.kubernetes.io/managed-by': 'quickcd',
      'quickcd.dev/kind': 'event',
      'quickcd.dev/repo': 'Acme.Web_App',
      'quickcd.dev/event-type': 'PushEvent',
      'quickcd.dev/status': 'pending',
      'quickcd.dev/event-id': '45000000123',
    });
    expect(JSON.parse(cm.data?.[EVENT_KEY] ?? '')).toEqual(stored().event);
    expect(cm.binaryData).toBeUndefined();
  });

  it('puts the rest of the stored event in annotations: attempts (max), run times, JSON state', () => {
    const cm = eventToConfigMap(
      stored({
        status: 'failed',
        late: true,
        lanes: {
          blocking: {
            status: 'failed',
            attempts: 3,
            lastRunAt: '2026-11-20T09:10:00.000Z',
            nextRunAt: '2026-11-20T09:20:00.000Z',
            lastError: 'exit 1',
          },
          nonblocking: { status: 'handled', attempts: 1, lastRunAt: '2026-11-20T09:01:00.000Z' },
        },
        handlers: { deploy: { lane: 'blocking', status: 'failed', attempts: 3, error: 'exit 1' } },
      }),
    );
    const a = cm.metadata?.annotations ?? {};
    expect(a['quickcd.dev/repo']).toBe('Acme/Web_App');
    expect(a['quickcd.dev/attempts']).toBe('3');
    expect(a['quickcd.dev/last-run-at']).toBe('2026-11-20T09:10:00.000Z');
    expect(a['quickcd.dev/next-run-at']).toBe('2026-11-20T09:20:00.000Z');
    expect(a['quickcd.dev/stored-at']).toBe('2026-11-20T09:00:05.000Z');
    expect(a['quickcd.dev/late']).toBe('true');
    expect(JSON.parse(a['quickcd.dev/handlers'] ?? '')).toMatchObject({ deploy: { attempts: 3 } });
    expect(a['quickcd.dev/problem']).toBeUndefined();
    expect(cm.metadata?.labels?.['quickcd.dev/status']).toBe('failed');
  });

  it('round-trips through configMapToEvent', () => {
    const event = stored({
      status: 'running',
      lanes: { blocking: { status: 'running', attempts: 1, launch: 'quickcd-x-b1' } },
      handlers: { a: { lane: 'blocking', status: 'complete', attempts: 1, durationMs: 12 } },
    });
    expect(configMapToEvent(eventToConfigMap(event))).toEqual(event);
  });

  it('takes the status from the label (an operator may relabel it skipped)', () => {
    const cm = eventToConfigMap(stored());
    cm.metadata!.labels!['quickcd.dev/status'] = 'skipped';
    expect(configMapToEvent(cm).status).toBe('skipped');
    cm.metadata!.labels!['quickcd.dev/status'] = 'bogus';
    expect(() => configMapToEvent(cm)).toThrow(/quickcd.dev\/status is "bogus"/);
  });

  it('stores JSON over 1 MiB gzip-compressed in binaryData', () => {
    const big = stored(
      {},
      { ...pushPayload('refs/heads/main'), blob: 'x'.repeat(2 * 1024 * 1024) },
    );
    const cm = eventToConfigMap(big);
    expect(cm.data).toBeUndefined();
    const gz = cm.binaryData?.[EVENT_GZIP_KEY] ?? '';
    expect(Buffer.from(gz, 'base64').length).toBeLessThan(MAX_CONFIGMAP_DATA_BYTES);
    expect(JSON.parse(gunzipSync(Buffer.from(gz, 'base64')).toString())).toEqual(big.event);
    expect(configMapToEvent(cm)).toEqual(big);
  });

  it('records an event too large even compressed as failed, with the reason, without payload', () => {
    const huge = stored(
      {
        lanes: { blocking: { status: 'pending', attempts: 0, nextRunAt: '2026-11-20T09:00:00Z' } },
      },
      { blob: randomBytes(1536 * 1024).toString('base64') },
    );
    const cm = eventToConfigMap(huge);
    expect(cm.binaryData).toBeUndefined();
    expect(cm.metadata?.labels?.['quickcd.dev/status']).toBe('failed');
    const problem = cm.metadata?.annotations?.['quickcd.dev/problem'] ?? '';
    expect(problem).toMatch(/event 45000000123 is too large to store: \d+ bytes of JSON/);
    expect(problem).toContain(`limit of ${MAX_CONFIGMAP_DATA_BYTES} bytes`);
    const back = configMapToEvent(cm);
    expect(back).toMatchObject({ status: 'failed', problem, id: huge.id, repo: huge.repo });
    expect(back.event).toEqual({ ...huge.event, payload: {} });
    expect(back.lanes.blocking).toEqual({ status: 'failed', attempts: 0, lastError: problem });
  });

  it('honours a smaller limit (the three paths at their boundary)', () => {
    const event = stored();
    const size = EVENT_KEY.length + Buffer.byteLength(JSON.stringify(event.event));
    expect(eventToConfigMap(event, size).data?.[EVENT_KEY]).toBeDefined();
    expect(eventToConfigMap(event, size - 1).binaryData?.[EVENT_GZIP_KEY]).toBeDefined();
    expect(eventToConfigMap(event, 20).metadata?.annotations?.['quickcd.dev/problem']).toContain(
      'limit of 20 bytes',
    );
  });

  it('reports an unreadable ConfigMap by name', () => {
    const cm = eventToConfigMap(stored());
    cm.data = { [EVENT_KEY]: '{nope' };
    expect(() => configMapToEvent(cm)).toThrow(
      expect.objectContaining({
        code: 'STORE_CORRUPT',
        message: expect.stringContaining('quickcd-acme-web-app-45000000123'),
      }),
    );
  });

  it('reports valid JSON of the wrong shape (lanes: null) by name and field', () => {
    const cm = eventToConfigMap(stored());
    cm.metadata!.annotations!['quickcd.dev/lanes'] = 'null';
    expect(() => configMapToEvent(cm)).toThrow(
      expect.objectContaining({
        code: 'STORE_CORRUPT',
        message: expect.stringMatching(
          /quickcd-acme-web-app-45000000123" is unreadable: it is not a stored event: lanes: /,
        ),
      }),
    );
  });
});

describe('cursor ConfigMap', () => {
  it('is named and labelled per repository and round-trips the whole cursor', () => {
    const cursor = {
      etag: 'W/"abc"',
      pageEtags: { '2': 'W/"def"' },
      seen: ['10', '9'],
      lastEventId: '10',
      lastPollAt: '2026-11-20T09:00:00.000Z',
    };
    const cm = cursorToConfigMap('acme/webapp', cursor);
    expect(cm.metadata?.name).toBe('quickcd-acme-webapp-cursor');
    expect(cm.metadata?.labels).toEqual({
      'app.kubernetes.io/managed-by': 'quickcd',
      'quickcd.dev/kind': 'cursor',
      'quickcd.dev/repo': 'acme.webapp',
    });
    expect(configMapToCursor(cm)).toEqual(cursor);
  });
});
