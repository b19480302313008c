import { describe, expect, it } from 'vitest';
import { createRedactor } from '../../../common/redact.js';
import { createStreamRedactor } from '../../../common/stream-redactor.js';
import { createLineWriter } from '../../../runner/line-writer.js';

describe('createRedactor', () => {
  it('replaces every secret, longest first, and ignores values too short to protect', () => {
    const redact = createRedactor(['ghp_secret', 'ghp_secret_longer', 'ab', undefined]);
    expect(redact('a ghp_secret_longer b ghp_secret c ab')).toBe('a *** b *** c ab');
  });

  it('treats secrets as literal text, not patterns', () => {
    expect(createRedactor(['a.b*c+d'])('xa.b*c+dx aXbbc')).toBe('x***x aXbbc');
  });
});

describe('createLineWriter', () => {
  it('redacts a secret split across chunks', () => {
    const out: string[] = [];
    const writer = createLineWriter((t) => out.push(t), createRedactor(['ghp_secret']));
    writer.write('token ghp_se');
    writer.write('cret here\nnext');
    writer.end();
    expect(out.join('')).toBe('token *** here\nnext');
  });
});

describe('createRedactor: every form a secret is printed in (issue 11)', () => {
  const quote = "It's-a-S3cret";
  const html = 'R&D<pass>42';
  const json = 'k8s"pa\\ss-99';
  const redact = createRedactor([
    quote,
    html,
    json,
    'p@ss word/42?&=',
    'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  ]);

  it('shell-quoted, as sh interpolates it', () => {
    expect(redact(`$ echo 'It'\\''s-a-S3cret'`)).toBe(`$ echo '***'`);
  });

  it('HTML-escaped, as in a <summary>', () => {
    expect(redact('<code>echo R&amp;D&lt;pass&gt;42</code>')).toBe('<code>echo ***</code>');
    expect(redact('It&#39;s-a-S3cret')).toBe('***');
  });

  it('JSON-escaped, as in a pino line', () => {
    expect(redact(JSON.stringify({ msg: `x ${json} y` }))).toBe('{"msg":"x *** y"}');
    expect(redact(JSON.stringify({ msg: JSON.stringify({ k: json }) }))).not.toContain('pa');
  });

  it('URL-encoded', () => {
    expect(redact(`https://h/?q=${encodeURIComponent('p@ss word/42?&=')}`)).toBe(
      'https://h/?q=***',
    );
    expect(redact('q=p%40ss+word%2F42%3F%26%3D')).toBe('q=***');
  });

  it('base64, standard and URL-safe, whatever its position in the encoded text', () => {
    const token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    for (const before of ['', 'a', 'ab', 'user:', 'x-access-token:']) {
      for (const encoding of ['base64', 'base64url'] as const) {
        const encoded = Buffer.from(`${before}${token}\n`).toString(encoding);
        const out = redact(`Authorization: Basic ${encoded}`);
        expect(out).toContain('***');
        // What is left cannot be decoded back to the token, nor to most of it.
        const left = out
          .replace(/^Authorization: Basic /, '')
          .split('***')
          .join('');
        expect(Buffer.from(left, encoding).toString('latin1')).not.toContain(token.slice(4, 12));
      }
    }
  });

  it('does not base64-match short values (that would mask ordinary text)', () => {
    const r = createRedactor(['abcdef']);
    expect(r(Buffer.from('xxabcdefxx').toString('base64'))).toBe(
      Buffer.from('xxabcdefxx').toString('base64'),
    );
  });

  it('a multi-line secret line by line, each line as printed alone', () => {
    const key =
      '-----BEGIN KEY-----\nMIIEowIBAAKCAQEAu1SU1L7VLPHCgcBIjM\nQ2cE4fK9xZQeR0bAbcDeFgHiJk\n-----END KEY-----\n';
    const r = createRedactor([key]);
    expect(r('line: MIIEowIBAAKCAQEAu1SU1L7VLPHCgcBIjM\n')).toBe('line: ***\n');
    expect(r(key)).not.toMatch(/MIIE|Q2cE/);
  });

  it('credentials in any URL, known or not', () => {
    expect(createRedactor([])('at https://user:hunter2@git.example.com/x.git')).toBe(
      'at https://user:***@git.example.com/x.git',
    );
    expect(createRedactor([])('git clone https://ghp_abc123@github.com/a/b')).toBe(
      'git clone https://***@github.com/a/b',
    );
    expect(createRedactor([])('mail me@example.com, see https://example.com/a@b')).toBe(
      'mail me@example.com, see https://example.com/a@b',
    );
  });
});

describe('createStreamRedactor (issue 11)', () => {
  const secret = 'ghp_abcdefghij0123456789';
  const stream = () => {
    const s = createStreamRedactor(createRedactor([secret]));
    const out: string[] = [];
    return { write: (t: string) => out.push(s.write(t)), end: () => out.push(s.end()), out };
  };

  it('hides a secret split across two writes, and delays nothing else', () => {
    const s = stream();
    s.write(`token: ${secret.slice(0, 5)}`);
    expect(s.out.join('')).toBe('token: ');
    s.write(`${secret.slice(5)} done\n`);
    s.write('next');
    expect(s.out.join('')).toBe('token: *** done\nnext');
    s.end();
    expect(s.out.join('')).toBe('token: *** done\nnext');
  });

  it('hides a secret one character per write', () => {
    const s = stream();
    for (const c of `a${secret}b`) s.write(c);
    s.end();
    expect(s.out.join('')).toBe('a***b');
  });

  it('writes a whole secret that straddles a held end', () => {
    const r = createRedactor(['abcab-secret', 'abcab']);
    const s = createStreamRedactor(r);
    expect(s.write('x abcab') + s.write('-secret y') + s.end()).toBe('x *** y');
  });

  it('hides a secret after more than 64 KiB without a newline, through the line writer', () => {
    const out: string[] = [];
    const writer = createLineWriter((t) => out.push(t), createRedactor([secret]));
    const filler = 'x'.repeat(65_530);
    writer.write(filler);
    writer.write(`${secret.slice(0, 10)}`);
    writer.write(`${secret.slice(10)}y${secret}y${secret}y`);
    writer.end();
    expect(out.join('')).toBe(`${filler}***y***y***y`);
    expect(out.join('')).not.toContain(secret.slice(0, 8));
  });
});

describe('createRedactor: forms of forms (issue 11)', () => {
  it('a shell-quoted secret in a JSON log line, and an HTML-escaped one', () => {
    const secret = "It's-a-S3cret";
    const redact = createRedactor([secret]);
    const command = `curl -u 'It'\\''s-a-S3cret' https://x`;
    expect(redact(JSON.stringify({ err: { message: `Command failed: ${command}` } }))).toBe(
      JSON.stringify({ err: { message: "Command failed: curl -u '***' https://x" } }),
    );
    expect(redact('<code>curl -u &#39;It&#39;\\&#39;&#39;s-a-S3cret&#39;</code>')).not.toContain(
      'S3cret',
    );
  });
});
