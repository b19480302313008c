import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { QuickcdError } from '../../../common/errors.js';
import { createLogger } from '../../../common/logger.js';
import { CommandError } from '../../../handlers/command-error.js';

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

  it('logs errors one way, `{ err }`, keeping a QuickcdError’s code and nothing else of it', () => {
    const json = capture({ format: 'json' });
    const error = new CommandError({
      command: 'deploy',
      exitCode: 2,
      signal: null,
      stdout: 'pages of output',
      stderr: '',
      timedOut: false,
    });
    json.log.error({ err: error }, 'failed');
    const record = JSON.parse(json.text()) as { err: Record<string, unknown> };
    expect(record.err).toMatchObject({ type: 'CommandError', code: 'COMMAND_FAILED' });
    expect(record.err.message).toBe(error.message);
    expect(Object.keys(record.err).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(json.text()).not.toContain('pages of output');

    const text = capture();
    text.log.warn({ err: new QuickcdError('HANDLER_TIMEOUT', 'timed out after 1 s') }, 'failed');
    expect(text.text()).toContain('err="timed out after 1 s (HANDLER_TIMEOUT)"');
  });

  it('keeps the cause of an error, and a string error as it is', () => {
    const { log, text } = capture({ format: 'json' });
    log.warn(
      { err: new QuickcdError('STORE_FAILED', 'cannot read', { cause: new Error('EIO') }) },
      'x',
    );
    expect(JSON.parse(text())).toMatchObject({
      err: { code: 'STORE_FAILED', cause: { type: 'Error', message: 'EIO' } },
    });
    const plain = capture({ format: 'json' });
    plain.log.warn({ err: 'bad filter' }, 'x');
    expect(JSON.parse(plain.text())).toMatchObject({ err: 'bad filter' });
  });
});
