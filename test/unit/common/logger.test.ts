import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../common/logger.js';

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const destination = new PassThrough();
  let text = '';
  destination.setEncoding('utf8').on('data', (c: string) => (text += c));
  const log = createLogger({ ...options, destination });
  return { log, text: () => text };
}

describe('createLogger', () => {
  it('writes short human-readable lines by default', () => {
    const { log, text } = capture({ redact: (t) => t.replaceAll('s3cret', '***') });
    log
      .child({ repo: 'acme/webapp', eventId: '42' })
      .warn({ attempt: 2, reason: 'token s3cret refused', err: new Error('boom') }, 'lane failed');
    expect(text()).toMatch(
      /^\d\d:\d\d:\d\d WARN lane failed repo=acme\/webapp eventId=42 attempt=2 reason="token \*\*\* refused" err=boom\n$/,
    );
  });

  it('shows error stacks only at debug level', () => {
    const info = capture();
    info.log.error({ err: new Error('boom') }, 'failed');
    expect(info.text()).not.toContain('    at ');
    const debug = capture({ level: 'debug' });
    debug.log.error({ err: new Error('boom') }, 'failed');
    expect(debug.text()).toMatch(/err=boom\n {4}Error: boom\n {4}\s*at /);
  });

  it('writes JSON lines on request', () => {
    const { log, text } = capture({ format: 'json' });
    log.info({ eventId: '42' }, 'launched');
    expect(JSON.parse(text())).toMatchObject({ level: 30, msg: 'launched', eventId: '42' });
  });
});
