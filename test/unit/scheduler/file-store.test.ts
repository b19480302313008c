import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../handlers/event.js';
import { markSkipped, newStoredEvent, retryNow } from '../../../scheduler/event-state.js';
import { createFileStore } from '../../../scheduler/file-store.js';
import type { StoredEvent } from '../../../scheduler/ports/event-store.js';
import { makeEvent, pushPayload, tempDir } from '../../support/fixtures.js';

const OPEN = ['pending', 'running', 'failed'] as const;
const event = (id: string, status: StoredEvent['status'] = 'pending'): StoredEvent => ({
  ...newStoredEvent(
    parseEvent(makeEvent('PushEvent', pushPayload('refs/heads/main'), { id })),
    [{ name: 'deploy', blocking: true }],
    new Date(),
  ),
  status,
});
const fileOf = (dir: string, id: string) => join(dir, 'events', `acme~webapp~${id}.json`);
const silent = pino({ level: 'silent' });

describe('file store: the cost of a dispatch pass', () => {
  it('a listing of open events reads only those, not the history', async () => {
    const dir = tempDir();
    const store = createFileStore({ stateDir: dir, log: silent });
    await store.putEvent(event('1'));
    await store.putEvent(event('2', 'handled'));
    await store.putEvent(event('3'));
    await store.updateEvent('acme/webapp', '3', markSkipped);
    // Were a finished event read, this one would be reported corrupt and set aside.
    writeFileSync(fileOf(dir, '2'), '{ not json');
    const open = await store.listEvents({ status: [...OPEN] });
    expect(open.map((e) => e.id)).toEqual(['1']);
    expect(existsSync(fileOf(dir, '2'))).toBe(true);
  });

  it('a scan of one repository visits its events and reads no file of another', async () => {
    const dir = tempDir();
    const store = createFileStore({ stateDir: dir, log: silent });
    await store.putEvent(event('1', 'handled'));
    await store.putEvent(event('2'));
    const other = join(dir, 'events', 'acme~other~3.json');
    writeFileSync(other, '{ not json'); // read, it would be set aside as corrupt
    const seen: string[] = [];
    await store.scanEvents!({ repo: 'acme/webapp' }, (e) => void seen.push(`${e.id}:${e.status}`));
    expect(seen.sort()).toEqual(['1:handled', '2:pending']);
    expect(existsSync(other)).toBe(true);
    const handled: string[] = [];
    await store.scanEvents!({ status: ['handled'] }, (e) => void handled.push(e.id));
    expect(handled).toEqual(['1']);
  });

  it('an event made open again (quickcd retry, another process) is listed', async () => {
    const dir = tempDir();
    const scheduler = createFileStore({ stateDir: dir });
    await scheduler.putEvent(event('7'));
    await scheduler.updateEvent('acme/webapp', '7', markSkipped);
    expect(await scheduler.listEvents({ status: [...OPEN] })).toEqual([]);
    const operator = createFileStore({ stateDir: dir, create: false });
    await operator.updateEvent('acme/webapp', '7', (e) => retryNow(e, new Date()));
    const open = await scheduler.listEvents({ status: [...OPEN] });
    expect(open.map((e) => [e.id, e.status])).toEqual([['7', 'pending']]);
  });

  it('a state directory of an older quickcd (no open/ index) is indexed from one full scan', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'events'), { recursive: true });
    writeFileSync(fileOf(dir, '4'), JSON.stringify(event('4', 'failed')));
    writeFileSync(fileOf(dir, '5'), JSON.stringify(event('5', 'handled')));
    const store = createFileStore({ stateDir: dir });
    const open = await store.listEvents({ status: [...OPEN] });
    expect(open.map((e) => e.id)).toEqual(['4']);
    expect(existsSync(join(dir, 'open', 'acme~webapp~4.json'))).toBe(true);
    expect(existsSync(join(dir, 'open', 'acme~webapp~5.json'))).toBe(false);
  });

  it('a marker left by a crash (event final, or gone) is dropped at the next listing', async () => {
    const dir = tempDir();
    const store = createFileStore({ stateDir: dir });
    await store.putEvent(event('8'));
    await store.listEvents({ status: [...OPEN] });
    writeFileSync(join(dir, 'open', 'acme~webapp~9.json'), '');
    writeFileSync(fileOf(dir, '8'), JSON.stringify(event('8', 'handled')));
    expect(await store.listEvents({ status: [...OPEN] })).toEqual([]);
    expect(existsSync(join(dir, 'open', 'acme~webapp~8.json'))).toBe(false);
    expect(existsSync(join(dir, 'open', 'acme~webapp~9.json'))).toBe(false);
  });
});
