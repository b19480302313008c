import type { EventStatus, HandlerState, StoredEvent } from '../../scheduler/ports/event-store.js';
import { QuickcdError } from '../../common/errors.js';
import type { Command } from '../command.js';
import { openStore, storeOptions, storeUsage } from './operator-store.js';

const STATUSES: readonly EventStatus[] = ['pending', 'running', 'handled', 'failed', 'skipped'];

export const eventsCommand: Command = {
  name: 'events',
  usage: `Usage: quickcd events [--status failed,pending] [--repo owner/name] [--json] [options]

Lists the stored events, oldest first.

Options:
  --status <list>       only these statuses: pending, running, handled, failed, skipped
  --json                one JSON object per event instead of the table
${storeUsage}`,
  options: { ...storeOptions, status: { type: 'string' }, json: { type: 'boolean' } },
  async run({ flags, env, stdout }) {
    const status =
      typeof flags.status === 'string' ? flags.status.split(',').filter(Boolean) : undefined;
    const unknown = status?.filter((s) => !STATUSES.includes(s as EventStatus));
    if (unknown?.length) {
      throw new QuickcdError(
        'USAGE',
        `--status: expected some of ${STATUSES.join(', ')}, got ${unknown.join(', ')}`,
      );
    }
    const store = await openStore({ flags, env });
    const events = await store.listEvents({
      ...(typeof flags.repo === 'string' ? { repo: flags.repo } : {}),
      ...(status ? { status: status as EventStatus[] } : {}),
    });
    if (flags.json === true) {
      for (const e of events) {
        const { event: _body, ...rest } = e;
        stdout(`${JSON.stringify(rest)}\n`);
      }
      return 0;
    }
    stdout(formatTable(events));
    return 0;
  },
};

/** A handler not yet complete whose lane is running is running (again). */
function handlerStatus(event: StoredEvent, handler: HandlerState): string {
  if (handler.status !== 'complete' && event.lanes[handler.lane]?.status === 'running') {
    return 'running';
  }
  return handler.status;
}

export function formatTable(events: readonly StoredEvent[]): string {
  const rows = [
    ['ID', 'REPOSITORY', 'TYPE', 'STATUS', 'ATTEMPTS', 'NEXT RUN', 'HANDLERS'],
    ...events.map((e) => {
      const lanes = Object.values(e.lanes);
      const next = lanes
        .map((l) => (l.status === 'failed' ? l.nextRunAt : undefined))
        .filter(Boolean)
        .sort()[0];
      return [
        e.id,
        e.repo,
        e.type,
        e.status + (e.late ? ' (late)' : ''),
        String(Math.max(0, ...lanes.map((l) => l.attempts))),
        e.status === 'skipped' ? '-' : (next ?? '-'),
        Object.entries(e.handlers)
          .map(([name, h]) => `${name}:${handlerStatus(e, h)}`)
          .join(' ') || '-',
      ];
    }),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  if (events.length === 0) lines.push('(no stored events)');
  return `${lines.join('\n')}\n`;
}
